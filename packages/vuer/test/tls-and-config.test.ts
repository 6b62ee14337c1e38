import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { disposeLeftovers } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { VuerConfigError } from "../src/index.js";
import { Box } from "../src/schemas/index.js";
import { DEFAULT_ALLOWED_ORIGINS, Vuer } from "../src/server/index.js";
import { newVuerClient, nodesOf, startVuer, vuerClient } from "./helpers.js";

afterEach(disposeLeftovers);

describe("server configuration", () => {
  test("options win over VUER_* variables, which win over defaults; bad values are refused", () => {
    const env = { VUER_HOST: "0.0.0.0", VUER_PORT: "9001", WEBSOCKET_MAX_SIZE: "4096", VUER_CORS: "https://a.test" };
    const fromEnv = new Vuer({ env, heartbeatMs: false }).options;
    expect(fromEnv).toMatchObject({ host: "0.0.0.0", port: 9001, maxSize: 4096, allowedOrigins: ["https://a.test"] });
    const explicit = new Vuer({ env, host: "127.0.0.1", port: 0, maxSize: 10, heartbeatMs: false }).options;
    expect(explicit).toMatchObject({ host: "127.0.0.1", port: 0, maxSize: 10 });
    const defaults = new Vuer({ env: {}, heartbeatMs: false }).options;
    expect(defaults).toMatchObject({
      host: "127.0.0.1",
      port: 8012,
      queueLen: 100,
      maxSize: 4 * 1024 * 1024,
      allowedOrigins: DEFAULT_ALLOWED_ORIGINS,
      workspace: [],
    });
    expect(() => new Vuer({ env: { VUER_PORT: "http" } })).toThrow(VuerConfigError);
    expect(() => new Vuer({ env: { WEBSOCKET_MAX_SIZE: "-1" } })).toThrow(VuerConfigError);
    expect(() => new Vuer({ env: {}, queueLen: 0 })).toThrow(VuerConfigError);
  });
});

describe("wss", () => {
  test("serves TLS with cert/key; the client verifies certificates unless sslVerify is false", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vuer-tls-"));
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
        "-keyout",
        key,
        "-out",
        cert,
      ]),
      { stdio: "ignore" },
    );
    const { app, url } = await startVuer({ cert, key });
    expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    app.addHandler("HELLO", (_e, s) => s.upsert(Box({ key: "secure" })));
    const strict = newVuerClient(url);
    await expect(strict.connect()).rejects.toThrow();
    const relaxed = await vuerClient(url, { sslVerify: false });
    await relaxed.send({ etype: "HELLO" });
    expect(nodesOf(await relaxed.recv({ timeoutMs: 5000 }))[0]?.key).toBe("secure");
    await relaxed.close();
  });
});

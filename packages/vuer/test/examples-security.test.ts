// The example servers at their trust boundary: --allow-origin, bounded logging of client values, and
// positions that must be finite before they reach every viewer.
import { fileURLToPath } from "node:url";
import { connectTestClient, disposeLeftovers, type ScriptProcess, spawnScript, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { nodesOf, rawPeer } from "./helpers.js";

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));

async function startServer(file: string, args: string[] = []): Promise<{ server: ScriptProcess; url: string }> {
  const server = spawnScript(`examples/${file}`, ["--port", "0", ...args], {
    cwd: pkgDir,
    env: { ...process.env, VUER_CLIENT_URI: "", VUER_CORS: "" },
  });
  const m = await server.line(/^listening on (ws:\/\/127\.0\.0\.1:\d+)$/);
  return { server, url: m[1] as string };
}

describe("example servers", () => {
  test("--allow-origin trusts more browser origins beside https://vuer.ai; others get 403", async () => {
    const { server, url } = await startServer("server.ts", ["--allow-origin", "http://localhost:5173"]);
    const dev = await connectTestClient(url, { origin: "http://localhost:5173" });
    const hosted = await connectTestClient(url, { origin: "https://vuer.ai" });
    await expect(connectTestClient(url, { origin: "https://evil.example" })).rejects.toMatchObject({ status: 403 });
    await Promise.all([dev.close(), hosted.close()]);
    expect(await server.stop()).toBe(0);

    const plain = await startServer("remote-control-server.ts");
    await expect(connectTestClient(plain.url, { origin: "http://localhost:5173" })).rejects.toMatchObject({
      status: 403,
    });
    expect(await plain.server.stop()).toBe(0);
  }, 60_000);

  test("HELLO logs a bounded preview of a megabytes-large value, and the server keeps serving", async () => {
    const { server, url } = await startServer("server.ts");
    const peer = await rawPeer(url, { client: "node" });
    expect((await peer.nextEvent()).etype).toBe("SET");
    peer.sendEvent({
      etype: "HELLO",
      value: { message: "x".repeat(3 * 1024 * 1024), blob: new Uint8Array(512 * 1024) },
    });
    await peer.nextEvent((e) => e.etype === "UPSERT");
    const line = await server.line(/^Received HELLO: /);
    expect(line.input.length).toBeLessThan(300);
    peer.sendEvent({ etype: "HELLO", value: { message: "Hi!" } });
    await server.line(/^Received HELLO: \{"message":"Hi!"\}$/);
    await peer.close();
    expect(await server.stop()).toBe(0);
  }, 60_000);

  test("MOVE_BOX with NaN or Infinity is refused with a clear log line and never reaches a viewer", async () => {
    const { server, url } = await startServer("server.ts");
    const viewer = await rawPeer(url, { client: "browser" });
    expect((await viewer.nextEvent()).etype).toBe("SET");
    const sender = await rawPeer(url, { client: "node" });
    for (const position of [[Number.NaN, 0, 0], [0, Number.POSITIVE_INFINITY, 0], [1, 2], "up"]) {
      sender.sendEvent({ etype: "MOVE_BOX", value: { position } });
    }
    await waitFor(
      () =>
        server
          .stderr()
          .split("\n")
          .filter((l) => l.startsWith("MOVE_BOX ignored")).length === 4,
    );
    expect(server.stderr()).toContain("MOVE_BOX ignored: position must be 3 finite numbers, got [NaN,0,0]");
    sender.sendEvent({ etype: "MOVE_BOX", value: { position: [1, 0.5, 0] } });
    const up = await viewer.nextEvent((e) => e.etype === "UPSERT");
    expect(nodesOf(up)[0]?.position).toEqual([1, 0.5, 0]);
    await Promise.all([viewer.close(), sender.close()]);
    expect(await server.stop()).toBe(0);
  }, 60_000);

  test("SET_POSITION (remote control) refuses non-finite positions the same way", async () => {
    const { server, url } = await startServer("remote-control-server.ts");
    const viewer = await rawPeer(url, { client: "browser" });
    expect((await viewer.nextEvent()).etype).toBe("SET");
    viewer.sendEvent({ etype: "SET_POSITION", value: { position: [Number.NaN, Number.NaN, 0] } });
    viewer.sendEvent({ etype: "SET_POSITION", value: { position: [0.25, 0.5, 0] } });
    const up = await viewer.nextEvent((e) => e.etype === "UPSERT");
    expect(nodesOf(up)[0]?.position).toEqual([0.25, 0.5, 0]);
    await waitFor(() => server.stderr().includes("SET_POSITION ignored: position must be 3 finite numbers"));
    await viewer.close();
    expect(await server.stop()).toBe(0);
  }, 60_000);
});

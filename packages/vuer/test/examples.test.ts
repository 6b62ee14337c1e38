import { fileURLToPath } from "node:url";
import { disposeLeftovers, type ScriptProcess, spawnScript } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { nodesOf, rawPeer } from "./helpers.js";

afterEach(disposeLeftovers);

const pkgDir = fileURLToPath(new URL("..", import.meta.url));

/** Runs an example from source the way the package scripts do; killed by disposeLeftovers. */
function run(file: string, args: string[] = []): ScriptProcess {
  return spawnScript(`examples/${file}`, args, { cwd: pkgDir, env: { ...process.env, VUER_CLIENT_URI: "" } });
}

async function startServer(file: string): Promise<{ server: ScriptProcess; url: string }> {
  const server = run(file, ["--port", "0"]);
  const m = await server.line(/^listening on (ws:\/\/127\.0\.0\.1:\d+)$/);
  return { server, url: m[1] as string };
}

describe("examples", () => {
  test("Step 1 + Step 2: the server receives HELLO and answers with UPSERTs a viewer sees", async () => {
    const { server, url } = await startServer("server.ts");
    const viewer = await rawPeer(url, { client: "browser" });
    const set = await viewer.nextEvent();
    expect(set.etype).toBe("SET");
    expect((set.data as { bgChildren: unknown[] }).bgChildren).toHaveLength(9);
    const client = run("client.ts", ["--uri", url, "--linger-ms", "0"]);
    expect(await client.exited).toBe(0);
    expect(client.stdout()).toContain("Events sent!");
    const first = await viewer.nextEvent((e) => e.etype === "UPSERT");
    const second = await viewer.nextEvent((e) => e.etype === "UPSERT");
    expect(nodesOf(first)[0]).toMatchObject({
      key: "box",
      tag: "Box",
      args: [0.30000001192092896, 0.30000001192092896, 0.30000001192092896],
      position: [0, 0.5, 0],
    });
    expect(nodesOf(second)[0]?.position).toEqual([1, 0.5, 0]);
    await server.line(/Received HELLO: \{"message":"Hi!"\}/);
    await viewer.close();
    expect(await server.stop()).toBe(0);
  }, 60_000);

  test("remote control: the client's 200 updates reach a second, browser-like client through the shared scene", async () => {
    const { server, url } = await startServer("remote-control-server.ts");
    const viewer = await rawPeer(url, { client: "browser" });
    const set = await viewer.nextEvent();
    expect(set.etype).toBe("SET");
    const client = run("remote-control-client.ts", ["--uri", url, "--interval-ms", "1"]);
    expect(await client.exited).toBe(0);
    expect(client.stdout()).toContain("sent 200 updates");
    const positions: number[][] = [];
    while (positions.length < 200) {
      const ev = await viewer.nextEvent((e) => e.etype === "UPSERT");
      positions.push(nodesOf(ev)[0]?.position as number[]);
    }
    const t = 199 * 0.05;
    const last = positions[199] as number[];
    expect(last[0]).toBeCloseTo(Math.sin(t) * 2, 5);
    expect(last[1]).toBeCloseTo(0.5 + Math.sin(t * 2) * 0.3, 5);
    expect(positions[0]).toEqual([0, 0.5, 0]);
    await viewer.close();
    expect(await server.stop()).toBe(0);
  }, 60_000);
});

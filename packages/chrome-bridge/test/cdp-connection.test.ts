import { disposeLeftovers, startTestServer } from "@proj/ws-core/testing";
import { afterEach, expect, test } from "vitest";
import { CdpConnection } from "../src/executor/index.js";

afterEach(disposeLeftovers);

/** A scripted CDP endpoint: answers `Echo` calls, ignores everything else, can push events. */
async function fakeCdp() {
  const server = await startTestServer({ path: "/devtools/browser/x" });
  server.endpoint.on("connection", (c) => {
    c.ws.on("message", (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.method === "Echo")
        c.send(JSON.stringify({ id: m.id, result: { params: m.params, sessionId: m.sessionId } }));
      if (m.method === "Fail")
        c.send(JSON.stringify({ id: m.id, error: { code: -32000, message: "No target with given id" } }));
      if (m.method === "Emit") {
        c.send(JSON.stringify({ method: "Page.loadEventFired", params: { t: 1 }, sessionId: "s1" }));
        c.send(JSON.stringify({ id: m.id, result: {} }));
      }
    });
  });
  return server;
}

test("calls resolve with results, fail with CDP errors, and time out when unanswered", async () => {
  const server = await fakeCdp();
  // Answered calls get the default timeout (a busy machine may take a while to answer); only the
  // call nobody answers runs into a short one, on its own connection.
  const cdp = await CdpConnection.connect(server.url);
  expect(await cdp.send("Echo", { a: 1 }, "s1")).toEqual({ params: { a: 1 }, sessionId: "s1" });
  await expect(cdp.send("Fail")).rejects.toThrow("CDP command 'Fail' failed: No target with given id");
  const impatient = await CdpConnection.connect(server.url, { timeoutMs: 50 });
  await expect(impatient.send("Hang")).rejects.toThrow("CDP command 'Hang' timed out after 50 ms");
  impatient.close();
  const loaded = cdp.waitForEvent("Page.loadEventFired", "s1", 30_000);
  await cdp.send("Emit");
  expect(await loaded).toEqual({ t: 1 });
  cdp.close();
});

test("pending calls fail at once when the browser connection closes", async () => {
  const server = await fakeCdp();
  const cdp = await CdpConnection.connect(server.url, { timeoutMs: 10_000 });
  const pending = cdp.send("Hang");
  await server.close({ graceMs: 10 });
  await expect(pending).rejects.toThrow("CDP command 'Hang' aborted: browser connection closed");
  await expect(cdp.send("Echo")).rejects.toThrow("browser connection closed");
});

test("a failed executor start leaves nothing open: bad server URL before launching, CDP failure closes the socket", async () => {
  const { startNodeExecutor } = await import("../src/executor/index.js");
  // The URL is checked first: a launch would have failed with "Chromium not found" instead.
  await expect(
    startNodeExecutor({ url: "not a url", launch: { executablePath: "/nonexistent/chromium" } }),
  ).rejects.toThrow(/Invalid URL/);
  // A CDP endpoint that refuses every call: the executor's first call fails, its socket must close.
  const server = await fakeCdp();
  server.endpoint.removeAllListeners("connection");
  const closed = new Promise<number>((resolve) =>
    server.endpoint.on("connection", (c) => {
      c.ws.on("message", (raw) => {
        const m = JSON.parse(raw.toString());
        c.send(JSON.stringify({ id: m.id, error: { code: -32000, message: "Not allowed" } }));
      });
      c.ws.on("close", (code) => resolve(code));
    }),
  );
  await expect(startNodeExecutor({ url: "ws://127.0.0.1:9/", cdp: server.url })).rejects.toThrow(
    "CDP command 'Target.setDiscoverTargets' failed: Not allowed",
  );
  await closed; // the executor closed its CDP socket (else this waits until the test times out)
});

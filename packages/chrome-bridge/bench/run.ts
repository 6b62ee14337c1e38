// Round trip of a command through REST + server + Node executor + Chromium, against the same CDP
// call made directly on a second CDP connection to the same browser, and against the same call
// behind a minimal relay (the floor of any REST-to-WebSocket design). Bounded: about 50 s.
import { Agent, createServer, request } from "node:http";
import { closeHttpServer, listen } from "@proj/ws-core/server";
import WebSocket, { WebSocketServer } from "ws";
import { CdpConnection, launchChromium, startNodeExecutor } from "../src/executor/index.js";
import { startBridgeServer } from "../src/server/index.js";
import { LeanHttpClient } from "./lean-http.js";

// node:http's client, as cheap as it gets: one keep-alive socket (no Nagle), request options built
// once (a URL string is re-parsed on every call; fetch/undici costs several times more per request).
// The main figures use LeanHttpClient (lean-http.ts); this one is reported beside them.
const agent = new Agent({ keepAlive: true, maxSockets: 1, noDelay: true });
const JSON_HEADERS = { "Content-Type": "application/json" };

function post(base: URL, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: base.pathname,
        method: "POST",
        agent,
        headers: { ...JSON_HEADERS, "Content-Length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () =>
          res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * Medians of each function measured in turn (so background load on a shared machine hits all
 * alike), after `warmup` runs of each (JIT), for up to `n` rounds or `budgetMs`. The order rotates
 * every round: a call that follows another one meets whatever work the browser still does for it
 * (a repaint after a click), so no function may always come first, or always second.
 */
async function interleavedP50(fns: Array<() => Promise<unknown>>, n: number, warmup: number, budgetMs: number) {
  for (let i = 0; i < warmup; i++) for (const f of fns) await f();
  const times = fns.map(() => [] as number[]);
  const end = performance.now() + budgetMs;
  for (let round = 0; (times[0] as number[]).length < n && performance.now() < end; round++) {
    for (let k = 0; k < fns.length; k++) {
      const i = (round + k) % fns.length;
      const t = performance.now();
      await (fns[i] as () => Promise<unknown>)();
      (times[i] as number[]).push(performance.now() - t);
    }
  }
  return times.map(median);
}

/**
 * The least any REST-to-WebSocket relay can cost here: node:http server -> ws -> an in-process ws
 * client that makes the CDP call -> ws -> HTTP response, with no parsing, validation or routing.
 * The bridge makes the same two extra loopback round trips (HTTP, then WebSocket) as this relay,
 * so its overhead over direct CDP can only shrink down to this floor, not to zero.
 */
async function startMinimalRelay(run: (body: string) => Promise<unknown>) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once("listening", r));
  const waiting = new Map<number, (text: string) => void>();
  const peer = new Promise<WebSocket>((resolve) => wss.once("connection", resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, {
    perMessageDeflate: false,
  });
  client.on("message", async (d) => {
    const { id, body } = JSON.parse(d.toString()) as { id: number; body: string };
    client.send(JSON.stringify({ id, result: await run(body) }));
  });
  const server = await peer;
  server.on("message", (d) => {
    const text = d.toString();
    const { id } = JSON.parse(text) as { id: number };
    waiting.get(id)?.(text);
    waiting.delete(id);
  });
  let next = 0;
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const id = ++next;
      waiting.set(id, (text) => {
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
        res.end(text);
      });
      server.send(JSON.stringify({ id, body: Buffer.concat(chunks).toString() }));
    });
  });
  const { url } = await listen(http, { host: "127.0.0.1", port: 0 });
  return {
    url: new URL(`${url}/command`),
    async close() {
      client.close();
      await new Promise((r) => wss.close(r));
      await closeHttpServer(http);
    },
  };
}

async function perSecond(fn: () => Promise<unknown>, ms: number): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await fn();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

const browser = await launchChromium({ windowSize: { width: 1280, height: 800 } });
const server = await startBridgeServer({ port: 0, wsPort: 0, heartbeat: false });
const executor = await startNodeExecutor({ url: server.addresses.wsUrl as string, cdp: browser.wsEndpoint });
const direct = await CdpConnection.connect(browser.wsEndpoint);
try {
  await executor.agent.ready();
  const rest = new URL(`${server.addresses.url}/command`);
  const html =
    "data:text/html,<title>bench</title><body style='margin:0'><button style='width:400px;height:300px'>x</button>";
  const opened = JSON.parse(await post(rest, JSON.stringify({ type: "tab", action: "open", url: html })));
  const tabId = opened.data.tabId as number;
  const targetId = executor.host.targetIdOf(tabId) as string;
  const { sessionId } = await direct.send<{ sessionId: string }>("Target.attachToTarget", { targetId, flatten: true });
  await post(rest, JSON.stringify({ type: "mouse_move", dx: 100, dy: 100, duration: 0.01 }));
  // A second tab for the direct navigations, in a window of its own: both tabs are visible (a hidden tab is
  // throttled, paints no frames, and screenshots of it wait for one).
  const { targetId: navTarget } = await direct.send<{ targetId: string }>("Target.createTarget", {
    url: html,
    newWindow: true,
  });
  await direct.send("Target.activateTarget", { targetId });
  const { sessionId: navSession } = await direct.send<{ sessionId: string }>("Target.attachToTarget", {
    targetId: navTarget,
    flatten: true,
  });
  await direct.send("Page.enable", {}, navSession); // load events for the direct navigate

  const cases: Array<{
    name: string;
    body: string;
    cdp: () => Promise<unknown>;
    what: string;
    n: number;
    /** Rounds before measuring (default n/2) and the measuring budget (default 8 s). */
    warmup?: number;
    budgetMs?: number;
  }> = [
    {
      name: "get_tabs",
      body: '{"type":"get_tabs"}',
      cdp: () => direct.send("Target.getTargets"),
      what: "Target.getTargets",
      n: 300,
    },
    {
      name: "mouse_click",
      body: '{"type":"mouse_click"}',
      cdp: async () => {
        const p = { x: 100, y: 100, button: "left", clickCount: 1 };
        await direct.send("Input.dispatchMouseEvent", { type: "mousePressed", buttons: 1, ...p }, sessionId);
        await direct.send("Input.dispatchMouseEvent", { type: "mouseReleased", buttons: 0, ...p }, sessionId);
      },
      what: "Input.dispatchMouseEvent pressed+released",
      n: 300,
    },
    {
      name: "screenshot",
      // Without the cursor overlay, so both sides make the same CDP call.
      body: '{"type":"screenshot","quality":85,"include_cursor":false}',
      cdp: () => direct.send("Page.captureScreenshot", { format: "jpeg", quality: 85 }, sessionId),
      what: "Page.captureScreenshot jpeg q85",
      n: 60,
    },
    {
      name: "evaluate",
      body: '{"type":"evaluate","expression":"document.title"}',
      // The executor's call: by value, promises awaited, as a user gesture, bounded by the command's timeout.
      cdp: () =>
        direct.send(
          "Runtime.evaluate",
          { expression: "document.title", returnByValue: true, awaitPromise: true, userGesture: true, timeout: 30_000 },
          sessionId,
        ),
      what: "Runtime.evaluate",
      n: 300,
    },
    {
      name: "navigate",
      body: JSON.stringify({ type: "navigate", url: html, tab_id: tabId }),
      // The executor's calls: main frame id, navigate, wait for load, then read back where the page landed. In a
      // tab of their own: load events of one side's navigations must not end the other side's waits.
      cdp: async () => {
        await direct.send("Page.getFrameTree", {}, navSession);
        const loaded = direct.waitForEvent("Page.loadEventFired", navSession, 30_000);
        await direct.send("Page.navigate", { url: html }, navSession);
        await loaded;
        await direct.send(
          "Runtime.evaluate",
          { expression: "({url: location.href, title: document.title})", returnByValue: true },
          navSession,
        );
      },
      what: "Page.getFrameTree + Page.navigate + loadEventFired + Runtime.evaluate",
      n: 30,
      warmup: 3,
      budgetMs: 20_000,
    },
  ];
  // The same CDP calls behind the cheapest possible relay (same two extra round trips, no logic).
  const floor = await startMinimalRelay((body) => {
    const type = (JSON.parse(body) as { type: string }).type;
    return (cases.find((c) => c.name === type) as (typeof cases)[number]).cdp();
  });
  // The targets: fast commands against the relay floor, screenshot against direct CDP.
  const targets: Record<string, { against: "floor" | "direct"; max: number }> = {
    get_tabs: { against: "floor", max: 1.3 },
    mouse_click: { against: "floor", max: 1.3 },
    screenshot: { against: "direct", max: 1.1 },
  };
  const verdicts: string[] = [];
  const lean = await LeanHttpClient.connect(rest);
  const leanFloor = await LeanHttpClient.connect(floor.url);
  try {
    for (const c of cases) {
      const [base, relay, ours, oursNodeHttp] = (await interleavedP50(
        [c.cdp, () => leanFloor.post(c.body), () => lean.post(c.body), () => post(rest, c.body)],
        c.n,
        c.warmup ?? c.n / 2,
        c.budgetMs ?? 8000,
      )) as [number, number, number, number];
      const vsDirect = (ms: number) => `${(ms / base).toFixed(2)}x direct CDP ${c.what} ${base.toFixed(2)} ms`;
      console.log(`bench ${c.name}_p50: ${ours.toFixed(2)} ms (${vsDirect(ours)})`);
      console.log(`bench ${c.name}_node_http_client_p50: ${oursNodeHttp.toFixed(2)} ms (${vsDirect(oursNodeHttp)})`);
      console.log(`bench ${c.name}_relay_floor_p50: ${relay.toFixed(2)} ms (${vsDirect(relay)})`);
      console.log(
        `bench ${c.name}_vs_floor_p50: ${ours.toFixed(2)} ms (${(ours / relay).toFixed(2)}x minimal node:http+ws relay ${relay.toFixed(2)} ms)`,
      );
      const t = targets[c.name];
      if (t) {
        const ratio = ours / (t.against === "floor" ? relay : base);
        verdicts.push(
          `${c.name} ${ratio.toFixed(2)}x ${t.against === "floor" ? "relay floor" : "direct CDP"} (target <= ${t.max}x: ${ratio <= t.max ? "met" : "NOT met"})`,
        );
      }
    }
    for (const v of verdicts) console.log(`bench target ${v}`);
  } finally {
    lean.close();
    leanFloor.close();
    await floor.close();
  }
  // Sequential throughput of a cheap command (mouse moves are frame-throttled at ~60/s either way).
  const directRate = await perSecond(() => direct.send("Target.getTargets"), 2000);
  const rateClient = await LeanHttpClient.connect(rest);
  const bridgeRate = await perSecond(() => rateClient.post('{"type":"get_tabs"}'), 2000);
  rateClient.close();
  console.log(
    `bench commands_per_second: ${bridgeRate.toFixed(0)} cmd/s (${(bridgeRate / directRate).toFixed(2)}x direct CDP Target.getTargets ${directRate.toFixed(0)} calls/s)`,
  );
} finally {
  direct.close();
  await executor.close();
  await server.close(100);
  await browser.close();
  agent.destroy();
}

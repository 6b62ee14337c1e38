// Round trip of a command through REST + server + Node executor + Chromium, against the same CDP
// call made directly on a second CDP connection to the same browser. Bounded: about 20-30 s.
import { Agent, request } from "node:http";
import { CdpConnection, launchChromium, startNodeExecutor } from "../src/executor/index.js";
import { startBridgeServer } from "../src/server/index.js";

// The cheapest standard HTTP client: one keep-alive socket (no Nagle), request options built once
// (a URL string is re-parsed on every call; fetch/undici costs several times more per request).
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
 * Medians of `a` and `b` measured alternately (so background load on a shared machine hits both
 * alike), after `warmup` runs of each (JIT), for up to `n` pairs or `budgetMs`.
 */
async function pairedP50(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  n: number,
  warmup: number,
  budgetMs: number,
) {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  const end = performance.now() + budgetMs;
  while (ta.length < n && performance.now() < end) {
    let t = performance.now();
    await a();
    ta.push(performance.now() - t);
    t = performance.now();
    await b();
    tb.push(performance.now() - t);
  }
  return [median(ta), median(tb)] as const;
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

  const cases: Array<{
    name: string;
    bridge: () => Promise<unknown>;
    cdp: () => Promise<unknown>;
    what: string;
    n: number;
  }> = [
    {
      name: "get_tabs",
      bridge: () => post(rest, '{"type":"get_tabs"}'),
      cdp: () => direct.send("Target.getTargets"),
      what: "Target.getTargets",
      n: 300,
    },
    {
      name: "mouse_click",
      bridge: () => post(rest, '{"type":"mouse_click"}'),
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
      bridge: () => post(rest, '{"type":"screenshot","quality":85,"include_cursor":false}'),
      cdp: () => direct.send("Page.captureScreenshot", { format: "jpeg", quality: 85 }, sessionId),
      what: "Page.captureScreenshot jpeg q85",
      n: 60,
    },
  ];
  for (const c of cases) {
    const [base, ours] = await pairedP50(c.cdp, c.bridge, c.n, c.n / 2, 5000);
    console.log(
      `bench ${c.name}_p50: ${ours.toFixed(2)} ms (${(ours / base).toFixed(2)}x direct CDP ${c.what} ${base.toFixed(2)} ms)`,
    );
  }
  // Sequential throughput of a cheap command (mouse moves are frame-throttled at ~60/s either way).
  const directRate = await perSecond(() => direct.send("Target.getTargets"), 2000);
  const bridgeRate = await perSecond(() => post(rest, '{"type":"get_tabs"}'), 2000);
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

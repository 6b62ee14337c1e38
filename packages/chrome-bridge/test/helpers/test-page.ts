import { createServer } from "node:http";
import { closeHttpServer, listen, readBody } from "@proj/ws-core/server";
import { waitFor } from "@proj/ws-core/testing";

/** One DOM event as the page reported it. */
export interface PageEvent {
  type: string;
  page: string;
  seq: number;
  [k: string]: any;
}

// The page reports every input event it receives to the test server, so assertions happen on
// the page side without a second CDP client. `?page=NAME` tells pages apart.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Bridge Test Page</title>
<style>html,body{margin:0;width:3000px;height:3000px}#field{position:fixed;left:10px;top:400px;width:300px;height:30px}</style>
</head><body><input id="field" autocomplete="off">
<script>
const page = new URLSearchParams(location.search).get("page") || "main";
document.title = "Bridge Test Page " + page;
let seq = 0;
const post = (e) => fetch("/event", { method: "POST", body: JSON.stringify({ ...e, page, seq: ++seq }), keepalive: true });
const mods = (e) => ({ ctrl: e.ctrlKey, shift: e.shiftKey, alt: e.altKey, meta: e.metaKey });
for (const t of ["mousemove", "mousedown", "mouseup", "click", "dblclick", "contextmenu", "auxclick"]) {
  addEventListener(t, (e) => post({ type: t, x: e.clientX, y: e.clientY, button: e.button, detail: e.detail, ...mods(e) }), true);
}
addEventListener("wheel", (e) => post({ type: "wheel", x: e.clientX, y: e.clientY, deltaX: e.deltaX, deltaY: e.deltaY }), true);
for (const t of ["keydown", "keyup"]) addEventListener(t, (e) => post({ type: t, key: e.key, code: e.code, ...mods(e) }), true);
document.getElementById("field").addEventListener("input", (e) => post({ type: "input", value: e.target.value }));
const size = (type) => post({ type, width: innerWidth, height: innerHeight, dpr: devicePixelRatio });
addEventListener("load", () => size("load"));
addEventListener("resize", () => size("resize"));
</script></body></html>`;

// Pages for the agent commands: dialogs, navigation, forms. Each reports what happened through /event.
const AGENT_PAGE = (name: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Agent ${name}</title>
<style>body{margin:0}button{position:absolute;left:10px;width:120px;height:40px}</style></head><body>
<button id="alert" style="top:10px" onclick="alert('hi'); post({type:'after-alert'})">Alert</button>
<button id="confirm" style="top:60px" onclick="post({type:'confirm', value: confirm('sure?')})">Confirm</button>
<button id="prompt" style="top:110px" onclick="post({type:'prompt', value: prompt('name?', 'x')})">Prompt</button>
<a id="next" href="/agent/two" style="position:absolute;left:10px;top:160px">Next page</a>
<script>
let seq = 0;
const post = (e) => fetch("/event", { method: "POST", body: JSON.stringify({ ...e, page: "agent-${name}", seq: ++seq }), keepalive: true });
</script></body></html>`;

export interface TestPage {
  /** http://127.0.0.1:PORT/ */
  url: string;
  pageUrl(name: string): string;
  /** http://127.0.0.1:PORT/agent/NAME: buttons that open dialogs, a link to /agent/two. */
  agentUrl(name: string): string;
  events: PageEvent[];
  /** Waits for the first event matching `predicate` and returns it. */
  waitForEvent(predicate: (e: PageEvent) => boolean, timeoutMs?: number): Promise<PageEvent>;
  /** Events of one page, in the order the page saw them. */
  eventsOf(page: string, type?: string): PageEvent[];
  clear(): void;
  close(): Promise<void>;
}

export async function startTestPage(): Promise<TestPage> {
  const events: PageEvent[] = [];
  const server = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/event") {
      void readBody(req).then((body) => {
        events.push(JSON.parse(body.toString()));
        res.writeHead(204).end();
      });
      return;
    }
    const agent = /^\/agent\/(\w+)/.exec(req.url ?? "");
    res
      .writeHead(200, { "Content-Type": "text/html; charset=utf-8" })
      .end(agent ? AGENT_PAGE(agent[1] as string) : PAGE);
  });
  const l = await listen(server);
  const sorted = (list: PageEvent[]) => [...list].sort((a, b) => a.seq - b.seq);
  return {
    url: `${l.url}/`,
    pageUrl: (name) => `${l.url}/?page=${name}`,
    agentUrl: (name) => `${l.url}/agent/${name}`,
    events,
    waitForEvent: (predicate, timeoutMs = 30_000) =>
      waitFor(() => events.find(predicate), { timeoutMs, message: "page event not seen" }),
    eventsOf: (page, type) => sorted(events.filter((e) => e.page === page && (!type || e.type === type))),
    clear: () => {
      events.length = 0;
    },
    close: () => closeHttpServer(server),
  };
}

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

// A form for snapshot, click/fill/type by ref or selector, wait_for, console and element/full-page screenshots.
const FORM_PAGE = (name: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Form ${name}</title>
<style>body{margin:0;font:16px sans-serif;height:2500px} #box{position:absolute;left:300px;top:20px;width:150px;height:50px;background:#c00}
#far{position:absolute;left:20px;top:1800px}</style></head><body>
<label for="name">Your name</label> <input id="name" placeholder="full name">
<select id="colour" aria-label="Colour"><option value="r">Red</option><option value="g">Green</option></select>
<label><input type="checkbox" id="agree"> I agree</label>
<textarea id="notes" aria-label="Notes">old</textarea>
<button id="greet" onclick="greet()">Greet</button>
<button id="hidden" style="display:none">Invisible</button>
<p id="out">Nothing yet</p>
<div id="box"></div>
<button id="far" onclick="document.getElementById('out').textContent = 'far clicked'">Far away</button>
<script>
let seq = 0;
const post = (e) => fetch("/event", { method: "POST", body: JSON.stringify({ ...e, page: "form-${name}", seq: ++seq }), keepalive: true });
function greet() {
  const n = document.getElementById("name").value;
  const c = document.getElementById("colour").value;
  document.getElementById("out").textContent = "Hello, " + n + " (" + c + ")";
  post({ type: "greet", name: n, colour: c, notes: document.getElementById("notes").value });
}
document.getElementById("name").addEventListener("input", (e) => post({ type: "input", value: e.target.value }));
console.log("form ready", 42, { a: 1 });
console.warn("careful");
</script></body></html>`;

export interface TestPage {
  /** http://127.0.0.1:PORT/ */
  url: string;
  pageUrl(name: string): string;
  /** http://127.0.0.1:PORT/agent/NAME: buttons that open dialogs, a link to /agent/two. */
  agentUrl(name: string): string;
  /** http://127.0.0.1:PORT/form/NAME: a labelled form, a 150x50 #box, a button far below the fold. */
  formUrl(name: string): string;
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
    const form = /^\/form\/(\w+)/.exec(req.url ?? "");
    res
      .writeHead(200, { "Content-Type": "text/html; charset=utf-8" })
      .end(agent ? AGENT_PAGE(agent[1] as string) : form ? FORM_PAGE(form[1] as string) : PAGE);
  });
  const l = await listen(server);
  const sorted = (list: PageEvent[]) => [...list].sort((a, b) => a.seq - b.seq);
  return {
    url: `${l.url}/`,
    pageUrl: (name) => `${l.url}/?page=${name}`,
    agentUrl: (name) => `${l.url}/agent/${name}`,
    formUrl: (name) => `${l.url}/form/${name}`,
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

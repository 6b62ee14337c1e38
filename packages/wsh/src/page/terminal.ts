// The terminal page served at GET / (bundled for the browser with xterm.js; no Node imports).
// It shows the shared PTY at the PTY's size (scaled to fit the window, or scrolled; never resizing the PTY),
// types into it (unless the server says this page only watches), and reconnects with a repaint.
import { FitAddon } from "@xterm/addon-fit";
import { Unicode11Addon } from "@xterm/addon-unicode11";
import { WebLinksAddon } from "@xterm/addon-web-links";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";

const TOKEN_KEY = "wsh-token";
const READ_ONLY_CLOSE = 4403;
const BASE_FONT = 15;
/** The smallest font the page scales to (px); below it the text is no longer legible. */
const MIN_FONT = 6;

/**
 * `?token=` is taken once, kept in the tab's sessionStorage (for reconnects and reloads) and removed
 * from the URL.
 */
function takeToken(): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl !== null) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete("token");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = takeToken();
/** The role the server saw: "none" when the page came without a token (a reload: see `start`). */
const servedRole = document.querySelector('meta[name="wsh-role"]')?.getAttribute("content");
let readonly = servedRole === "viewer";
const statusEl = document.getElementById("status") as HTMLElement;
const sizeEl = document.getElementById("size") as HTMLElement;
const container = document.getElementById("terminal") as HTMLElement;

type State = "connecting" | "connected" | "disconnected" | "read-only-refused" | "token-required";
function setStatus(state: State, text: string): void {
  document.body.dataset.state = state;
  statusEl.textContent = text;
}

const term = new Terminal({
  disableStdin: readonly,
  allowProposedApi: true, // unicode11
  fontSize: BASE_FONT,
  scrollback: 5000,
  cursorBlink: !readonly,
  // Lets our handler below see CSI 8;rows;cols t (xterm.js only passes enabled window operations on).
  windowOptions: { setWinSizeChars: true },
});
const fit = new FitAddon();
term.loadAddon(fit);
term.loadAddon(new WebLinksAddon());
term.loadAddon(new Unicode11Addon());
term.unicode.activeVersion = "11";
term.open(container);

// The server tells the PTY size in the stream (CSI 8;rows;cols t, in the repaint and on every resize):
// the terminal takes exactly that size, so wrapping matches the shell's; the window only scales the font.
term.parser.registerCsiHandler({ final: "t" }, (params) => {
  if (params[0] !== 8) return false;
  const rows = Number(params[1]);
  const cols = Number(params[2]);
  if (cols >= 2 && rows >= 1 && (cols !== term.cols || rows !== term.rows)) term.resize(cols, rows);
  return true;
});

/**
 * Scales the font so the PTY-sized terminal fits the window (the PTY itself is never resized from
 * here), down to MIN_FONT: a terminal still too wide or tall for the window (200 columns on a phone)
 * scrolls inside it instead (#terminal has overflow: auto).
 */
function fitDisplay(): void {
  sizeEl.textContent = `${term.cols}x${term.rows}`;
  const fontSize = term.options.fontSize ?? BASE_FONT;
  const proposed = fit.proposeDimensions();
  if (!proposed || !Number.isFinite(proposed.cols) || !Number.isFinite(proposed.rows)) return;
  const scale = Math.min(proposed.cols / term.cols, proposed.rows / term.rows);
  const next = Math.max(MIN_FONT, Math.min(BASE_FONT, Math.floor(fontSize * scale * 10) / 10));
  if (Math.abs(next - fontSize) >= 0.1) term.options.fontSize = next;
}
term.onResize(() => fitDisplay());
new ResizeObserver(() => fitDisplay()).observe(container);

// Copy: Ctrl+Shift+C (or the selection with Cmd+C); paste (Ctrl+Shift+V, Cmd+V, middle click) is the
// browser's paste event, which xterm turns into input.
term.attachCustomKeyEventHandler((e) => {
  const copy =
    e.type === "keydown" && ((e.ctrlKey && e.shiftKey && e.code === "KeyC") || (e.metaKey && e.code === "KeyC"));
  if (copy && term.hasSelection()) {
    void navigator.clipboard?.writeText(term.getSelection()).catch(() => {});
    return false;
  }
  return true;
});

let ws: WebSocket | undefined;
/** Failed tries in a row (connecting, or asking for the role); the wait before the next grows with it. */
let attempt = 0;
const retryDelay = (n: number) => Math.min(5000, 250 * 2 ** Math.min(n, 5));
const encoder = new TextEncoder();

term.onData((data) => {
  if (!readonly && ws?.readyState === WebSocket.OPEN) ws.send(encoder.encode(data));
});
term.onBinary((data) => {
  if (readonly || ws?.readyState !== WebSocket.OPEN) return;
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
  ws.send(bytes);
});

function connect(): void {
  const url = new URL("ws/raw", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.search = token ? `?token=${encodeURIComponent(token)}` : "";
  url.hash = "";
  setStatus("connecting", attempt === 0 ? "connecting…" : `reconnecting (attempt ${attempt})…`);
  const socket = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  ws = socket;
  socket.onopen = () => {
    attempt = 0;
    setStatus("connected", readonly ? "connected (watching, read-only)" : "connected");
    if (!readonly) term.focus();
  };
  socket.onmessage = (e) => {
    term.write(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
  };
  socket.onclose = (e) => {
    if (ws !== socket) return;
    ws = undefined;
    if (e.code === READ_ONLY_CLOSE) {
      setStatus("read-only-refused", "disconnected: this page may only watch");
      return;
    }
    attempt++;
    const delay = retryDelay(attempt);
    setStatus(
      "disconnected",
      `disconnected${e.reason ? ` (${e.reason})` : ""}; retrying in ${Math.round(delay / 100) / 10} s`,
    );
    setTimeout(connect, delay);
  };
}

/**
 * Asks GET / again with the tab's token in a header: the role it gets, or "refused" when wsh itself
 * refuses the token (a proxy's 401 in front of it is an error to retry, not a reason to drop the token).
 * Cookies go along (same origin), as they do with the page and its socket.
 */
async function roleOf(t: string): Promise<"owner" | "viewer" | "refused"> {
  const res = await fetch(location.pathname, {
    headers: { authorization: `Bearer ${t}`, accept: "text/html" },
    cache: "no-store",
  });
  if (res.status === 401 || res.status === 403) {
    const code = await res
      .json()
      .then((b: { error?: { code?: unknown } }) => b?.error?.code)
      .catch(() => undefined);
    if (code === "auth_invalid") return "refused"; // a missing token (stripped on the way) gets the shell instead
  }
  if (!res.ok) throw new Error(`GET / answered ${res.status}`);
  const html = new DOMParser().parseFromString(await res.text(), "text/html");
  return html.querySelector('meta[name="wsh-role"]')?.getAttribute("content") === "viewer" ? "viewer" : "owner";
}

/**
 * Connects; a page served without a token first learns its role with the token its tab kept (a
 * reload after the token left the address bar), or says that it needs one.
 */
async function start(): Promise<void> {
  if (servedRole === "none") {
    if (!token) {
      setStatus("token-required", "a token is needed: open the address wsh printed (with ?token=)");
      return;
    }
    let role: Awaited<ReturnType<typeof roleOf>>;
    try {
      role = await roleOf(token);
    } catch (err) {
      attempt++;
      setStatus("disconnected", `cannot ask the server (${(err as Error).message}); retrying (attempt ${attempt})…`);
      setTimeout(() => void start(), retryDelay(attempt));
      return;
    }
    if (role === "refused") {
      sessionStorage.removeItem(TOKEN_KEY);
      setStatus("token-required", "the saved token was refused: open the address wsh printed (with ?token=)");
      return;
    }
    readonly = role === "viewer";
    term.options.disableStdin = readonly;
    term.options.cursorBlink = !readonly;
    attempt = 0;
  }
  connect();
}

fitDisplay();
void start();
(globalThis as unknown as { wshTerminal: Terminal }).wshTerminal = term;

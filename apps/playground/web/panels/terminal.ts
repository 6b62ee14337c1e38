import { WshJsonClient, WshRawClient, WshRest } from "@proj/wsh/client";
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { el, logLine, panelHeader, statusChip } from "../status.js";

/**
 * Terminal panel: xterm.js on wsh's /ws/raw (a live shell on a real PTY), resized with the panel through
 * POST /resize, and beside it the /ws/json event stream (lines, cursor, mode, diffs) of the same terminal.
 */
export async function mountTerminalPanel(panel: HTMLElement, info: { base: string }): Promise<void> {
  const rawChip = statusChip("/ws/raw");
  const jsonChip = statusChip("/ws/json");
  panelHeader(panel, "Terminal", "wsh · /ws/raw + /ws/json", rawChip.el, jsonChip.el);
  const box = el("div", { className: "terminal-box", dataset: { role: "terminal" } });
  const events = el("div", { className: "log", dataset: { role: "json-events" } });
  events.style.height = "300px";
  const summary = el("div", { className: "muted", dataset: { role: "json-summary" } });
  panel.append(
    el(
      "div",
      { className: "row" },
      el("div", { className: "col", style: "flex:3" }, box),
      el("div", { className: "col" }, summary, events),
    ),
  );

  const url = `${location.origin}${info.base}`;
  const term = new Terminal({ fontSize: 13, cursorBlink: true, convertEol: false, theme: { background: "#000000" } });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(box);
  (window as unknown as { term: Terminal }).term = term;

  const raw = new WshRawClient({ url });
  const rest = new WshRest({ url });
  raw.on("status", (s) => rawChip.set(s));
  raw.on("data", (d) => term.write(d));
  term.onData((d) => raw.write(d));

  // Follow the panel's size: fit the view, then tell the PTY (reset "resize" + sync reach /ws/json).
  let sized = "";
  const resize = () => {
    fit.fit();
    const key = `${term.cols}x${term.rows}`;
    if (key === sized || raw.status !== "open") return;
    sized = key;
    void rest.resize(term.cols, term.rows).catch(() => {
      sized = "";
    });
  };
  new ResizeObserver(() => resize()).observe(box);
  raw.on("status", (s) => {
    if (s === "open") {
      sized = "";
      resize();
    }
  });

  const json = new WshJsonClient({
    url,
    events: ["lines", "cursor", "mode", "diffs"],
    intervalMs: 100,
    format: "plain",
  });
  json.on("status", (s) => jsonChip.set(s));
  let count = 0;
  json.on("event", (e) => {
    count++;
    const ev = e as unknown as Record<string, unknown>;
    const detail =
      ev.event === "line"
        ? `line ${ev.index}: ${JSON.stringify(typeof ev.line === "string" ? ev.line : "(spans)").slice(0, 60)}`
        : ev.event === "cursor"
          ? `cursor ${ev.row},${ev.col}`
          : ev.event === "diff"
            ? `diff ${(ev.changed_lines as unknown[] | undefined)?.length ?? "?"} lines`
            : `${ev.event} ${JSON.stringify(ev).slice(0, 80)}`;
    logLine(events, detail);
    summary.textContent = `${count} events · screen ${json.model.cols}x${json.model.rows} · cursor ${json.model.cursor.row},${json.model.cursor.col}`;
  });
  await Promise.all([raw.opened(), json.opened()]);
  resize();
  term.focus();
}

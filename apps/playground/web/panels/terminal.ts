import { WshJsonClient, WshRawClient } from "@proj/wsh/client";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { el, logLine, panelHeader, readableJson, statusChip } from "../status.js";

/**
 * Terminal panel: xterm.js on wsh's /ws/raw (a live shell on a real PTY) and beside it the /ws/json event
 * stream (lines, cursor, mode, diffs) of the same terminal. Size policy: the PTY's size is the server's
 * (its owner's), so a narrow window never shrinks the shell everyone shares; the page renders that size
 * and scrolls it when the panel is narrower.
 */
export async function mountTerminalPanel(panel: HTMLElement, info: { base: string }): Promise<void> {
  const rawChip = statusChip("shell");
  const jsonChip = statusChip("screen events");
  panelHeader(
    panel,
    {
      title: "Terminal",
      what: "A real shell on this machine, shared over WebSocket: every viewer sees the same screen.",
      tryThis: "Click it and type a command, e.g. ls or top.",
      pkg: "wsh",
      details:
        "wsh: keystrokes and output as raw bytes on /wsh/ws/raw; the same screen as a model (lines, cursor, diffs) on /wsh/ws/json, shown on the right.",
    },
    rawChip.el,
    jsonChip.el,
  );
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
  term.open(box);
  (window as unknown as { term: Terminal }).term = term;

  const raw = new WshRawClient({ url });
  raw.on("status", (s) => rawChip.set(s));
  raw.on("data", (d) => term.write(d));
  term.onData((d) => raw.write(d));

  const json = new WshJsonClient({
    url,
    events: ["lines", "cursor", "mode", "diffs"],
    intervalMs: 100,
    format: "plain",
  });
  json.on("status", (s) => jsonChip.set(s));
  let count = 0;
  // Render the PTY's size as the screen model reports it (after connecting and after every resize).
  const followSize = () => {
    const { cols, rows } = json.model;
    if (cols > 0 && rows > 0 && (cols !== term.cols || rows !== term.rows)) term.resize(cols, rows);
    box.dataset.size = `${term.cols}x${term.rows}`;
  };
  json.on("event", (e) => {
    count++;
    followSize();
    const ev = e as unknown as Record<string, unknown>;
    const detail =
      ev.event === "line"
        ? `line ${ev.index}: ${JSON.stringify(typeof ev.line === "string" ? ev.line : "(spans)").slice(0, 60)}`
        : ev.event === "cursor"
          ? `cursor ${ev.row},${ev.col}`
          : ev.event === "diff"
            ? `diff ${(ev.changed_lines as unknown[] | undefined)?.length ?? "?"} lines`
            : `${ev.event} ${readableJson(ev, 120)}`;
    logLine(events, detail);
    summary.textContent = `${count} events · screen ${json.model.cols}x${json.model.rows} · cursor ${json.model.cursor.row},${json.model.cursor.col}`;
  });
  await Promise.all([raw.opened(), json.opened()]);
  followSize();
  term.focus();
}

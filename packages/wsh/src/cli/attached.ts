import { spawnSync } from "node:child_process";
import type { TerminalSession } from "../server/terminal/session.js";

/**
 * Attached mode: wsh's own terminal becomes a window onto the PTY, like upstream. Local keystrokes
 * go through input capture (Ctrl+\ releases it), output is copied to stdout, and resizing the
 * local terminal resizes the PTY. Returns a function that restores the terminal.
 */
export function attachLocalTerminal(session: TerminalSession): () => void {
  const stdin = process.stdin;
  const stdout = process.stdout;
  stdin.setRawMode(true);
  // libuv's raw mode keeps output post-processing (\n -> \r\n); the PTY already did that, and a
  // full-screen program's bare \n must stay a plain line feed. setRawMode(false) restores it.
  spawnSync("stty", ["-opost"], { stdio: ["inherit", "ignore", "ignore"] });
  stdin.resume();
  const onKey = (buf: Buffer) => session.keyboardInput(buf);
  const offOutput = session.events.on("output", (chunk) => stdout.write(chunk));
  const onResize = () => {
    if (stdout.columns && stdout.rows) session.resize(stdout.columns, stdout.rows);
  };
  stdin.on("data", onKey);
  stdout.on("resize", onResize);
  return () => {
    offOutput();
    stdin.off("data", onKey);
    stdout.off("resize", onResize);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
  };
}

// Worker thread: owns the xterm emulator so parsing a flood never competes with the main thread's
// PTY reads and WebSocket sends. Mirrors the visible rows (both formats) back after every scan.
import { readFileSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { Emulator, type EmulatorOptions, type ScreenChanges } from "./emulator.js";
import type { FromWorker, RowUpdate, ToWorker } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("emulator-worker must run in a worker thread");

// Flow control lives on the main thread, which sees bytes in transit too.
const emu = new Emulator({ ...(workerData as EmulatorOptions), highWaterMark: Number.POSITIVE_INFINITY });
const post = (m: FromWorker) => port.postMessage(m);

// Raw forwarding comes first: when cores are scarce this thread yields to the main thread, and the
// emulator catches up later (its backlog is bounded: the PTY pauses at the high-water mark). On Linux
// a thread has its own nice value, set through its thread id; elsewhere this is skipped.
if ((workerData as { lowPriority?: boolean }).lowPriority) {
  try {
    const tid = Number(readFileSync("/proc/thread-self/stat", "utf8").split(" ", 1)[0]);
    if (tid > 0) setPriority(tid, 10);
  } catch {
    // Not Linux, or not permitted: parse at normal priority.
  }
}

function rows(indices: Iterable<number>): RowUpdate[] {
  const out: RowUpdate[] = [];
  for (const i of indices) out.push([i, emu.line(i, "plain") as string, emu.line(i, "styled") as RowUpdate[2]]);
  return out;
}

function meta() {
  return {
    cols: emu.cols,
    rows: emu.rows,
    totalLines: emu.totalLines,
    epoch: emu.epoch,
    alternate: emu.alternateActive,
    cursor: emu.cursor(),
  };
}

const all = () => Array.from({ length: emu.rows }, (_, i) => i);

emu.onParsed = (bytes) => post({ t: "parsed", bytes });
emu.onChanges((changes: ScreenChanges) => {
  const full = changes.discontinuities.length > 0;
  post({ t: "changes", changes, rows: rows(full ? all() : changes.changedRows), meta: meta(), full });
});
post({ t: "changes", changes: undefined, rows: rows(all()), meta: meta(), full: true });

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "write":
      emu.writeBatch(m.data, m.flood); // batched on the main thread already
      break;
    case "resize":
      emu.resize(m.cols, m.rows);
      break;
    case "scrollback":
      void emu.readScrollback(m.format, m.offset, m.limit).then((value) => post({ t: "reply", id: m.id, value }));
      break;
    case "repaint":
      void emu.repaintWhenParsed(m.scrollback).then((value) => post({ t: "reply", id: m.id, value }));
      break;
    case "settle":
      void emu.settled().then(() => post({ t: "reply", id: m.id, value: null }));
      break;
  }
});

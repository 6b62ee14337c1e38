// What a flood costs outside the process that reads it: the program writing it and the kernel's
// workers that move a PTY's output from writer to reader. With the reader's (and the client's) CPU,
// that is everything the flood asks of the machine, and so the best wall time two idle cores allow.
import { readdirSync, readFileSync } from "node:fs";

/** Fields after the command name in a /proc stat file (utime is [11], stime [12], cutime [13], cstime [14]). */
function statFields(path: string): string[] | undefined {
  try {
    const stat = readFileSync(path, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // the process or thread has ended
  }
}

const seconds = (f: string[], from: number, to: number) => {
  let ticks = 0;
  for (let i = from; i <= to; i++) ticks += Number(f[i]);
  return ticks / 100;
};

/**
 * CPU seconds of the live descendants of `pid`, with the children they have reaped: the flood's
 * shell (still waiting for input at the end) has reaped `head` and `tr`, so their CPU is in its
 * cutime/cstime. Children of `pid` that `pid` itself reaped are not counted (`pid`'s own cutime).
 */
export function descendantsCpu(pid: number): number {
  let total = 0;
  const walk = (parent: number) => {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const tid of tids) {
      let kids: string[];
      try {
        kids = readFileSync(`/proc/${parent}/task/${tid}/children`, "utf8").split(" ").filter(Boolean);
      } catch {
        continue;
      }
      for (const kid of kids) {
        const f = statFields(`/proc/${kid}/stat`);
        if (f) total += seconds(f, 11, 14);
        walk(Number(kid));
      }
    }
  };
  walk(pid);
  return total;
}

/** CPU seconds of process `pid` (with the children it reaped) and of its live descendants. */
export function processTreeCpu(pid: number): number {
  const f = statFields(`/proc/${pid}/stat`);
  return (f ? seconds(f, 11, 14) : 0) + descendantsCpu(pid);
}

/**
 * CPU seconds of the kernel's worker threads (kworker/*), machine-wide: on a PTY most of a flood's
 * share is the flush work that moves each ~4 KiB from the writer's side to the reader's. Other
 * jobs on the machine add to it, and a worker that exits during the flood takes its time along
 * (an undercount): a rough figure.
 */
export function kernelWorkersCpu(): number {
  let total = 0;
  for (const name of readdirSync("/proc")) {
    if (name.charCodeAt(0) > 57) continue; // not a pid
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    if (!stat.includes("(kworker/")) continue;
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    total += seconds(f, 11, 12);
  }
  return total;
}

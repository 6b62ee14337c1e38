// Runs the code blocks of a README as written, so documentation cannot drift from the code.
//
// Every ```ts / ```js block of a README is a whole program. Blocks run in order, each as its own file
// in one scratch folder (so a block can import one written before it); the info string may name the
// file (```ts file=chat-protocol.ts), which is how a later block imports it ("./chat-protocol.js").
// A block passes when it exits 0 within its budget (```ts timeout=120 for slow ones, in seconds).
// Shell blocks are not run here: the commands they show are covered by the CLI and example tests.
//
// From sources (the package tests): `readmeBlocks(readme)` + `runReadmeBlock(...)`, resolving the
// package by its own name through the @proj/source condition. Against the built tarballs
// (check-packages): `node scripts/readme-code.mjs --dist <scratch app> <README>...`.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const TSX = join(root, "node_modules/.bin/tsx");
const CODE = new Set(["ts", "typescript", "js", "javascript", "mjs", "mts"]);

/** The runnable blocks of a README: `{ index, lang, file, timeoutMs, code, line }`. */
export function readmeBlocks(readmePath) {
  const lines = readFileSync(readmePath, "utf8").split("\n");
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, fence, lang, meta] = open;
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith(fence)) j++;
    if (CODE.has(lang)) {
      const attrs = Object.fromEntries([...meta.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
      const n = blocks.length + 1;
      const ext = lang.startsWith("j") || lang === "mjs" ? "mjs" : "ts";
      blocks.push({
        index: n,
        lang,
        line: i + 1,
        file: attrs.file ?? `block-${String(n).padStart(2, "0")}.${ext}`,
        timeoutMs: Number(attrs.timeout ?? 60) * 1000,
        code: lines.slice(i + 1, j).join("\n"),
      });
    }
    i = j;
  }
  return blocks;
}

/** A scratch folder for one README's blocks: inside the package (so its own name and deps resolve), or under `base`. */
export function scratchFor(readmePath, base = dirname(readmePath)) {
  return mkdtempSync(join(resolve(base), ".readme-run-"));
}

export function removeScratch(dir) {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Writes every block of the README into `dir` (later blocks may import earlier ones). Inside a package
 * the blocks stay in its scope (its "type": "module", and its own name resolving to itself);
 * `moduleScope` gives a folder elsewhere a package.json of its own so blocks are ES modules there too.
 */
export function writeBlocks(blocks, dir, { moduleScope = false } = {}) {
  if (moduleScope) writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  for (const b of blocks) writeFileSync(join(dir, b.file), `${b.code}\n`);
}

/**
 * Runs one written block with tsx; resolves `{ code, stdout, stderr, timedOut }`.
 * `source: true` resolves workspace packages to their sources (the @proj/source condition).
 */
export function runReadmeBlock(block, dir, { source = true, env = {} } = {}) {
  const args = [...(source ? ["--conditions", "@proj/source"] : []), join(dir, block.file)];
  return new Promise((done) => {
    const child = spawn(TSX, args, {
      cwd: dir,
      env: { ...process.env, FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: a timeout kills whatever the block started too
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, block.timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid, "SIGKILL"); // anything the block left running
      } catch {}
      done({ code: code ?? (signal ? 128 : 1), stdout, stderr, timedOut });
    });
  });
}

/** A one-paragraph failure report for a block. */
export function describeFailure(readmePath, block, r) {
  const why = r.timedOut ? `did not finish within ${block.timeoutMs / 1000} s` : `exited ${r.code}`;
  return `${readmePath}:${block.line} (${block.file}) ${why}\n--- stdout\n${r.stdout.slice(-2000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}

// CLI: node scripts/readme-code.mjs [--dist APP_DIR] README...
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const args = process.argv.slice(2);
  const distAt = args.indexOf("--dist");
  const app = distAt >= 0 ? args.splice(distAt, 2)[1] : undefined;
  let failed = 0;
  let passed = 0;
  for (const readme of args) {
    const blocks = readmeBlocks(readme);
    if (!blocks.length) continue;
    const dir = app ? mkdtempSync(join(app, "readme-")) : scratchFor(readme);
    writeBlocks(blocks, dir, { moduleScope: Boolean(app) });
    for (const b of blocks) {
      const r = await runReadmeBlock(b, dir, { source: !app });
      if (r.code === 0 && !r.timedOut) {
        passed++;
        console.log(`  ok ${readme}:${b.line} (${b.file})`);
      } else {
        failed++;
        console.error(`FAIL ${describeFailure(readme, b, r)}`);
      }
    }
    removeScratch(dir);
  }
  console.log(`readme blocks: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

// Packaging check: every publishable package must work outside the workspace.
// 1. publint each package; 2. `pnpm pack` each; 3. install all tarballs with plain npm into an empty
// scratch project; 4. import every export entry in ESM and in CJS, and typecheck an import of each
// entry with moduleResolution node16; 5. check each tarball carries its docs and license and its
// package.json the registry metadata; 6. run every README code block against the installed tarballs.
// Run after `pnpm build`.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const pkgsDir = join(root, "packages");
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: "pipe", encoding: "utf8", ...opts });

const packages = readdirSync(pkgsDir)
  .map((d) => ({ dir: join(pkgsDir, d), json: JSON.parse(readFileSync(join(pkgsDir, d, "package.json"), "utf8")) }))
  .filter((p) => !p.json.private)
  .filter((p) => !process.env.PACKAGES || process.env.PACKAGES.split(",").includes(p.json.name.replace("@proj/", "")));

let failures = 0;
const fail = (msg) => {
  failures++;
  console.error(`FAIL ${msg}`);
};

const scratch = mkdtempSync(join(tmpdir(), "proj-pack-"));
const tarballs = join(scratch, "tarballs");
mkdirSync(tarballs);

for (const p of packages) {
  try {
    const out = run(join(root, "node_modules/.bin/publint"), ["--strict", "--level", "warning"], { cwd: p.dir });
    console.log(`publint ${p.json.name}: ok${out.trim() ? `\n${out.trim()}` : ""}`);
  } catch (err) {
    fail(`publint ${p.json.name}\n${err.stdout ?? ""}${err.stderr ?? ""}`);
  }
  run("pnpm", ["pack", "--pack-destination", tarballs], { cwd: p.dir });
}

const app = join(scratch, "app");
mkdirSync(app);
const tgz = readdirSync(tarballs).map((f) => join(tarballs, f));
writeFileSync(join(app, "package.json"), JSON.stringify({ name: "scratch", private: true, version: "0.0.0" }));
console.log(`installing ${tgz.length} tarballs with npm into ${app}`);
try {
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "@types/node@20", ...tgz], { cwd: app });
} catch (err) {
  fail(`npm install of the tarballs\n${err.stdout}${err.stderr}`);
}

const esm = [];
const cjs = [];
const dts = [];
for (const p of packages) {
  const entries = Object.keys(p.json.exports ?? {}).filter((k) => !k.endsWith(".json"));
  for (const e of entries) {
    const spec = e === "." ? p.json.name : `${p.json.name}/${e.slice(2)}`;
    const id = spec.replace(/[^a-z0-9]/gi, "_");
    esm.push(`import * as ${id} from "${spec}"; check("${spec}", ${id});`);
    cjs.push(`check("${spec}", require("${spec}"));`);
    dts.push(`import * as ${id} from "${spec}"; export const _${id} = ${id};`);
  }
}
const checkFn = `function check(name, mod) { const n = Object.keys(mod).length; if (!n) throw new Error(name + " exports nothing"); console.log("  " + name + ": " + n + " exports"); }`;
writeFileSync(join(app, "esm.mjs"), `${checkFn}\n${esm.join("\n")}\n`);
writeFileSync(join(app, "cjs.cjs"), `${checkFn}\n${cjs.join("\n")}\n`);
writeFileSync(join(app, "types.mts"), `${dts.join("\n")}\n`);
writeFileSync(
  join(app, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      module: "node16",
      moduleResolution: "node16",
      target: "es2022",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
      lib: ["es2022", "dom", "esnext.disposable"],
    },
    files: ["types.mts"],
  }),
);
for (const [label, file] of [
  ["ESM", "esm.mjs"],
  ["CJS", "cjs.cjs"],
]) {
  try {
    console.log(`${label} imports:`);
    process.stdout.write(run("node", [file], { cwd: app }));
  } catch (err) {
    fail(`${label} imports\n${err.stdout}${err.stderr}`);
  }
}
try {
  run(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: app });
  console.log("types: every entry resolves with moduleResolution node16");
} catch (err) {
  fail(`types\n${err.stdout}${err.stderr}`);
}

// What a user reading the package on the registry needs: its README, PROTOCOL.md, license, links.
for (const p of packages) {
  const installed = join(app, "node_modules", p.json.name);
  const want = ["README.md", "LICENSE", ...(existsSync(join(p.dir, "PROTOCOL.md")) ? ["PROTOCOL.md"] : [])];
  const missing = want.filter((f) => !existsSync(join(installed, f)));
  const meta = ["repository", "homepage", "bugs", "keywords", "license", "description"].filter((k) => !p.json[k]);
  if (missing.length || meta.length)
    fail(
      `${p.json.name}: tarball lacks ${missing.join(", ") || "nothing"}; package.json lacks ${meta.join(", ") || "nothing"}`,
    );
  else console.log(`docs ${p.json.name}: ${want.join(", ")} and registry metadata`);
}

// Every README code block, run against the installed tarballs (the package tests run them from sources).
try {
  const readmes = packages.map((p) => join(p.dir, "README.md")).filter((f) => existsSync(f));
  process.stdout.write(run("node", [join(root, "scripts/readme-code.mjs"), "--dist", app, ...readmes], { cwd: app }));
} catch (err) {
  fail(`README code blocks against the tarballs\n${err.stdout}${err.stderr}`);
}

// wsh's terminal page ships prebuilt in the tarball (the tests bundle it from sources): served from there.
if (packages.some((p) => p.json.name === "@proj/wsh")) {
  const pageCheck = `
    import { startWshServer } from "@proj/wsh/server";
    const s = await startWshServer({ command: "/bin/sh", port: 0, heartbeatMs: false });
    try {
      for (const [path, type, min] of [["/", "text/html", 200], ["/assets/terminal.js", "javascript", 100000], ["/assets/terminal.css", "text/css", 1000]]) {
        const res = await fetch(s.url + path);
        const body = await res.text();
        if (res.status !== 200 || !res.headers.get("content-type").includes(type) || body.length < min)
          throw new Error(path + ": " + res.status + " " + res.headers.get("content-type") + ", " + body.length + " bytes");
        console.log("  " + path + ": " + res.status + ", " + body.length + " bytes");
      }
    } finally {
      await s.close();
    }`;
  try {
    writeFileSync(join(app, "wsh-page.mjs"), pageCheck);
    console.log("wsh page from the tarball:");
    process.stdout.write(run("node", ["wsh-page.mjs"], { cwd: app }));
  } catch (err) {
    fail(`wsh page from the tarball\n${err.stdout}${err.stderr}`);
  }
}

if (failures === 0) rmSync(scratch, { recursive: true, force: true });
console.log(failures === 0 ? "packages: ok" : `packages: ${failures} failure(s); scratch kept at ${scratch}`);
process.exit(failures === 0 ? 0 : 1);

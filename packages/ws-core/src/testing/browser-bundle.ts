export interface BrowserBundle {
  /** Bundled JavaScript. */
  code: string;
  /** Every module path that went into the bundle. */
  inputs: string[];
  /** Imports that would need Node (`ws`, `node:*`, Node built-ins) found in the bundle graph. */
  nodeImports: string[];
}

const NODE_ONLY =
  /^(node:|ws$|ws\/|fs$|net$|tls$|http$|https$|stream$|crypto$|child_process$|os$|path$|zlib$|events$|url$)/;

/**
 * Bundles `entry` for the browser platform with esbuild (an optional peer dependency) and reports
 * any Node-only import, so a test can prove a client entry is browser-safe.
 */
export async function bundleForBrowser(entry: string, options: { conditions?: string[] } = {}): Promise<BrowserBundle> {
  const esbuild = await import("esbuild");
  const nodeImports: string[] = [];
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    conditions: options.conditions ?? ["@proj/source", "browser"],
    plugins: [
      {
        name: "record-node-imports",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            if (NODE_ONLY.test(args.path)) {
              nodeImports.push(`${args.path} (from ${args.importer})`);
              return { path: args.path, external: true };
            }
            return undefined;
          });
        },
      },
    ],
  });
  return {
    code: result.outputFiles[0]?.text ?? "",
    inputs: Object.keys(result.metafile.inputs),
    nodeImports,
  };
}

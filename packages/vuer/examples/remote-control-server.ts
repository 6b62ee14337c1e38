// Upstream's remote-control example, the server: SET_POSITION moves the box in the shared scene, so every
// connected viewer (a browser, a test client) sees the animation the remote client drives.
//   pnpm --filter @proj/vuer example:remote-control-server -- --port 8012 [--allow-origin http://localhost:5173]
import { intFlag, parseCli, runCli } from "@proj/ws-core/cli";
import { Box, DefaultScene } from "../src/schemas/index.js";
import { Vuer } from "../src/server/index.js";
import { accessArgs, finitePosition, preview, serve, serverOptions, VERSION } from "./cli.js";

const spec = {
  name: "example:remote-control-server",
  version: VERSION,
  summary: "a Vuer server whose box follows SET_POSITION events (run example:remote-control-client against it)",
  usage: ["[--port 8012] [--host 127.0.0.1] [--allow-origin ORIGIN]..."],
  options: serverOptions,
  examples: ["pnpm --filter @proj/vuer example:remote-control-server -- --port 8012"],
} as const;

await runCli(spec, async () => {
  const { values } = parseCli(spec);
  const port = intFlag(values, "port", { max: 65535 }) as number;
  const app = new Vuer({ host: values.host as string, port, ...accessArgs(values) });
  app.scene.set(DefaultScene(Box({ args: [0.3, 0.3, 0.3], key: "box", position: [0, 0.5, 0] }), { key: "scene" }));

  app.addHandler("SET_POSITION", (event) => {
    const pos = finitePosition(event.value);
    if (!pos) {
      console.error(`SET_POSITION ignored: position must be 3 finite numbers, got ${preview(event.value, 80)}`);
      return;
    }
    app.scene.upsert(Box({ args: [0.3, 0.3, 0.3], key: "box", position: pos }));
  });

  app.spawn(async (session) => {
    app.scene.subscribe(session);
    await session.forever();
  });

  await serve(app);
  console.log("Server started. Run the remote-control client in another terminal.");
});

// Upstream's first example ("Step 1"), as a server: handlers for HELLO and MOVE_BOX, a spawn function per client.
// Scene updates go through the shared scene, so a browser viewer beside the script sees the box move.
//   pnpm --filter @proj/vuer example:server -- --port 8012 [--allow-origin http://localhost:5173]
// With --redis URL [--scene NAME], several such servers serve one shared scene (see "Scaling out" in the README).
import { intFlag, parseCli, runCli } from "@proj/ws-core/cli";
import { RedisBus } from "@proj/ws-core/cluster";
import { Box, DefaultScene } from "../src/schemas/index.js";
import { Vuer } from "../src/server/index.js";
import { accessArgs, finitePosition, preview, serve, serverOptions, VERSION } from "./cli.js";

const spec = {
  name: "example:server",
  version: VERSION,
  summary: "a Vuer server that shows a box; HELLO adds it, MOVE_BOX moves it (run example:client against it)",
  usage: ["[--port 8012] [--host 127.0.0.1] [--allow-origin ORIGIN]... [--redis URL [--scene NAME]]"],
  options: {
    ...serverOptions,
    redis: {
      type: "string",
      valueName: "URL",
      description:
        "share the scene with every server using this Redis (redis://host:6379); run several behind one address",
    },
    scene: {
      type: "string",
      valueName: "NAME",
      default: "default",
      description: "the shared scene's name (with --redis)",
    },
  },
  examples: [
    "pnpm --filter @proj/vuer example:server -- --port 8012",
    "pnpm --filter @proj/vuer example:server -- --port 0 --allow-origin http://localhost:5173",
    "pnpm --filter @proj/vuer example:server -- --port 8013 --redis redis://127.0.0.1:6379 --scene lab",
  ],
} as const;

await runCli(spec, async () => {
  const { values } = parseCli(spec);
  const port = intFlag(values, "port", { max: 65535 }) as number;
  const bus = values.redis ? await RedisBus.connect({ url: values.redis as string }) : undefined;
  const cluster = bus ? { cluster: { bus, scene: values.scene as string } } : {};
  const app = new Vuer({ host: values.host as string, port, ...accessArgs(values), ...cluster });
  if (app.sharedScene) {
    await app.sharedScene.ready;
    console.log(`shared scene "${app.sharedScene.name}" at version ${app.sharedScene.version}`);
  }
  // In a cluster only the first server sets the scene: a later one joins what is already there.
  if (!app.scene.hasScene) app.scene.set(DefaultScene({ key: "scene" }));

  app.addHandler("HELLO", (event) => {
    console.log(`Received HELLO: ${preview(event.value)}`); // bounded: a client's value can be megabytes
    app.scene.upsert(Box({ args: [0.3, 0.3, 0.3], key: "box", position: [0, 0.5, 0] }));
  });

  app.addHandler("MOVE_BOX", (event) => {
    const pos = event.value?.position === undefined ? [0, 0, 0] : finitePosition(event.value);
    if (!pos) {
      console.error(`MOVE_BOX ignored: position must be 3 finite numbers, got ${preview(event.value?.position, 80)}`);
      return;
    }
    app.scene.upsert(Box({ args: [0.3, 0.3, 0.3], key: "box", position: pos }));
  });

  app.spawn(async (session) => {
    const init = await session.till("INIT");
    console.log(`client connected: ${preview(init.value?.client, 40)} (${session.id})`);
    app.scene.subscribe(session); // sends the current scene (SET), then every update
    await session.forever();
  });

  await serve(app);
});

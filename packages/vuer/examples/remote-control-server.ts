// The seed document's remote-control server: SET_POSITION moves the box in the shared scene, so every
// connected viewer (a browser, a test client) sees the animation the remote client drives.
// Run: pnpm --filter @proj/vuer example:remote-control-server -- --port 8012 [--allow-origin http://localhost:5173]
import { Box, DefaultScene } from "../src/schemas/index.js";
import { Vuer } from "../src/server/index.js";
import { accessArgs, arg, finitePosition, numberArg, preview, serve } from "./cli.js";

const app = new Vuer({ host: arg("host", "127.0.0.1"), port: numberArg("port", 8012), ...accessArgs() });
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

import { ClientEvent, VuerClient } from "@proj/vuer/client";
import { VuerViewer } from "@proj/vuer/viewer";
import { wsOrigin } from "../info.js";
import { el, logLine, panelHeader, statusChip } from "../status.js";

/**
 * Scene panel: the VuerClient (browser build) subscribed to the server's shared scene, drawn by the package's
 * own viewer (`@proj/vuer/viewer`, the one every Vuer server serves at /). Buttons send client events; handlers
 * on the server turn them into scene operations that every subscriber (this page, a script beside it) sees.
 */
export async function mountScenePanel(panel: HTMLElement, info: { path: string }): Promise<void> {
  const chip = statusChip();
  panelHeader(
    panel,
    {
      title: "Scene",
      what: "A shared 3D scene: the server owns it and every viewer sees each change.",
      tryThis: "Move the box, add spheres, or run the remote-control script shown below.",
      pkg: "vuer",
      details:
        "vuer: msgpack frames on /vuer; the server sends SET/UPSERT/ADD/REMOVE scene operations, the page sends client events that handlers turn into operations.",
    },
    chip.el,
  );
  const box = el("div", { className: "scene-box" });
  const log = el("div", { className: "log", dataset: { role: "scene-log" } });
  log.style.height = "90px";
  const legend = el("div", { className: "muted", dataset: { role: "scene-legend" } });
  const buttons = {
    left: el("button", { textContent: "◀ box" }),
    right: el("button", { textContent: "box ▶" }),
    up: el("button", { textContent: "box ▲" }),
    add: el("button", { textContent: "add sphere" }),
    reset: el("button", { textContent: "reset" }),
  };
  panel.append(
    el("div", { className: "toolbar" }, ...Object.values(buttons)),
    box,
    legend,
    el("div", {
      className: "muted",
      textContent: `Remote control from a shell: pnpm --filter @proj/vuer example:remote-control-client -- --uri ${wsOrigin()}${info.path}`,
    }),
    log,
  );
  const client = new VuerClient({ uri: `${wsOrigin()}${info.path}`, reconnect: true });
  // The viewer draws the client's scene incrementally and sends CAMERA_MOVE / CLICK, answers GRAB_RENDER.
  const view = new VuerViewer(box, { client, cameraPosition: [2.6, 2.2, 3.2], cameraTarget: [0, 0.4, 0] });
  (window as unknown as { vuerView: VuerViewer }).vuerView = view;
  let ops = 0;
  const redraw = () => {
    const pos = view.positionOf("box");
    legend.textContent = `${view.rendered.size} elements rendered · ${ops} scene ops · box at ${pos ? pos.map((v) => v.toFixed(2)).join(", ") : "?"}`;
    legend.dataset.box = pos ? pos.map((v) => v.toFixed(2)).join(",") : "";
  };
  let frame = 0;
  client.scene.on("change", (c) => {
    ops++;
    logLine(log, `${c.op} ${c.keys.join(", ").slice(0, 80)}`);
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(redraw);
  });
  client.on("status", (s: string) => chip.set(s));
  await client.connect();
  chip.set("open");
  const send = (etype: string, value: unknown) => client.sendNow(new ClientEvent({ etype, value }));
  buttons.left.addEventListener("click", () => send("MOVE_BOX", { dx: -0.25 }));
  buttons.right.addEventListener("click", () => send("MOVE_BOX", { dx: 0.25 }));
  buttons.up.addEventListener("click", () => send("MOVE_BOX", { dy: 0.25 }));
  buttons.add.addEventListener("click", () => send("ADD_SPHERE", {}));
  buttons.reset.addEventListener("click", () => send("RESET_SCENE", {}));
  redraw();
}

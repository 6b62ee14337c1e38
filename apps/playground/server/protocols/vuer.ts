import { type PiKVMEmulator, renderConsolePng } from "@proj/pikvm/server";
import { Box, DefaultScene, Group, Image, PointCloud, Sphere, Text } from "@proj/vuer/schemas";
import { Vuer } from "@proj/vuer/server";
import type { MountContext, Mounted } from "../mount.js";

export const VUER_BASE = "/vuer";

const BOX = { args: [0.3, 0.3, 0.3], key: "box", material: { color: "#4fb3ff" } };

/** Three finite numbers: what a position or a step must be before it reaches every viewer. */
function isPosition(v: unknown): v is [number, number, number] {
  return Array.isArray(v) && v.length === 3 && v.every((n) => typeof n === "number" && Number.isFinite(n));
}

/** A small coloured point cloud: a ring of points, so the panel shows a real PointCloud element. */
function ring(): ReturnType<typeof PointCloud> {
  const n = 400;
  const vertices = new Float32Array(n * 3);
  const colors = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const a = (i / n) * Math.PI * 2;
    vertices.set([Math.cos(a) * 1.4, 0.05 + 0.1 * Math.sin(a * 6), Math.sin(a) * 1.4], i * 3);
    colors.set([0.5 + 0.5 * Math.cos(a), 0.6, 0.5 + 0.5 * Math.sin(a)], i * 3);
  }
  return PointCloud({ key: "ring", vertices, colors, size: 0.04 });
}

/**
 * Vuer under /vuer with the shared scene: every session subscribes to `app.scene`, so the page sees
 * what any script (e.g. the remote-control example client) does, and the page's buttons send client
 * events that handlers turn into scene operations.
 */
export async function mountScene(ctx: MountContext): Promise<Mounted> {
  // No workspace: the page needs no files from disk (and the working directory is never served).
  const app = new Vuer({ basePath: VUER_BASE, access: ctx.access, workspace: false });
  let added = 0;
  app.scene.set(
    DefaultScene(
      Box({ ...BOX, position: [0, 0.5, 0] }),
      Group(
        { key: "group", position: [-1.2, 0, -0.6] },
        Sphere({ key: "sphere", args: [0.2, 24, 24], position: [0, 0.3, 0], material: { color: "#f0883e" } }),
      ),
      Text("Vuer shared scene", { key: "title", position: [0, 1.3, 0], fontSize: 0.15, color: "#d7dde4" }),
      ring(),
      { key: "scene" },
    ),
  );
  // The remote-control example's event: move the box to a position.
  app.addHandler("SET_POSITION", (event) => {
    const position = (event.value as { position?: unknown })?.position;
    if (isPosition(position)) app.scene.upsert(Box({ ...BOX, position }));
  });
  // The page's buttons.
  app.addHandler("MOVE_BOX", (event) => {
    const d = (event.value as { dx?: unknown; dy?: unknown; dz?: unknown }) ?? {};
    const step = [d.dx ?? 0, d.dy ?? 0, d.dz ?? 0];
    if (!isPosition(step)) return; // NaN or Infinity would reach every viewer
    const box = app.scene.graph.find("box") as { position?: number[] } | undefined;
    const [x, y, z] = box?.position ?? [0, 0.5, 0];
    app.scene.upsert(Box({ ...BOX, position: [x! + step[0], y! + step[1], z! + step[2]] }));
  });
  app.addHandler("ADD_SPHERE", () => {
    added++;
    const a = added * 1.1;
    app.scene.add(
      Sphere({
        key: `added-${added}`,
        args: [0.12, 16, 16],
        position: [Math.cos(a) * 0.9, 0.2 + (added % 4) * 0.15, Math.sin(a) * 0.9],
        material: { color: `hsl(${(added * 47) % 360}, 70%, 60%)` },
      }),
      { to: "group" },
    );
  });
  app.addHandler("RESET_SCENE", () => {
    app.scene.upsert(Box({ ...BOX, position: [0, 0.5, 0] }));
    const keys = Array.from({ length: added }, (_, i) => `added-${i + 1}`);
    if (keys.length) app.scene.remove(keys);
    added = 0;
  });
  // The KVM console as an Image element: typing in the KVM panel shows up in the 3D scene too.
  const kvm = ctx.services.get("pikvm") as PiKVMEmulator | undefined;
  // The console's top-left corner (where the prompt and typing are), drawn large enough to read in 3D:
  // the whole 80x25 screen would shrink each character to a few pixels on the panel's canvas.
  const CORNER = { cols: 36, rows: 7 };
  const showConsole = () => {
    if (!kvm) return;
    const lines = kvm.console.lines.slice(0, CORNER.rows).map((l) => l.slice(0, CORNER.cols));
    app.scene.upsert(
      Image({
        key: "kvm-screen",
        src: renderConsolePng(lines, CORNER),
        format: "png",
        height: 0.9,
        position: [0.95, 1.15, -1.3],
        rotation: [0, 0.35, 0],
      }),
    );
  };
  showConsole();
  let pending: ReturnType<typeof setTimeout> | undefined;
  kvm?.on("console", () => {
    clearTimeout(pending);
    pending = setTimeout(showConsole, 100);
  });
  app.spawn(async (session) => {
    app.scene.subscribe(session);
    await session.forever();
  });
  return {
    name: "vuer",
    routes: { [VUER_BASE]: app, [`${VUER_BASE}/*`]: app },
    handle: (req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (!app.matches(path)) return false;
      void app.handleRequest(req, res);
      return true;
    },
    info: { path: VUER_BASE },
    close: () => {
      clearTimeout(pending);
      return app.close();
    },
  };
}

// The page the server serves at GET /: a full-window VuerViewer. The socket is `?ws=` (upstream's query, so the
// page can view any Vuer server), else the one the serving server wrote into <meta name="vuer-ws">.
import { VuerViewer } from "./viewer.js";

const params = new URLSearchParams(location.search);
const meta = document.querySelector<HTMLMetaElement>('meta[name="vuer-ws"]')?.content;
const uri = params.get("ws") || meta || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
const status = document.getElementById("status") as HTMLElement;
const viewer = new VuerViewer(document.getElementById("viewer") as HTMLElement, { uri });
(globalThis as { vuerViewer?: VuerViewer }).vuerViewer = viewer;
const show = (s: string) => {
  document.body.dataset.status = s;
  status.textContent = `${s} · ${uri} · ${viewer.rendered.size} elements`;
};
viewer.client.on("status", show);
viewer.client.scene.on("change", () => show(viewer.client.status));
viewer.connect().catch((e: Error) => show(`failed: ${e.message}`));

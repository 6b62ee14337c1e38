// Child process for the streaming bench: one viewer that sends INIT and takes every frame (counted, not decoded),
// so the server's socket drains as fast as a real client reads. Its CPU is not the server's.
import WebSocket from "ws";
import { encodeFrame } from "../src/index.js";

const ws = new WebSocket(process.argv[2] as string, { perMessageDeflate: false });
let frames = 0;
ws.on("open", () => ws.send(encodeFrame({ ts: Date.now(), etype: "INIT", value: { client: "bench" } })));
ws.on("message", () => frames++);
ws.on("close", () => process.exit(0));
process.on("message", (m: { cmd: string }) => {
  if (m.cmd === "frames") process.send?.({ frames });
});

// The bench's ceiling for any server (see relaySide in run.ts): wsh's PTY reading (the reader
// thread, or with WSH_PTY_READER=loop the event loop's drains), into pooled regions, written chunk
// by chunk to one plain TCP client. No WebSocket, no emulator, no batching.
import { type AddressInfo, createServer } from "node:net";
import { PtyProcess } from "../src/server/terminal/pty.js";

const [command, ...args] = process.argv.slice(2);
const server = createServer((socket) => {
  server.close(); // one client
  const pty = new PtyProcess(
    { command, args, cols: 80, rows: 24, readerThread: process.env.WSH_PTY_READER !== "loop" },
    (chunk, lent) => {
      // A lent chunk is held until the socket has written it (its region is refilled after that).
      const letGo = lent?.hold();
      socket.write(chunk, letGo && (() => letGo()));
    },
    () => true,
  );
  socket.on("data", (d: Buffer) => pty.write(d));
  socket.on("close", () => pty.kill());
  socket.on("error", () => pty.kill());
});
server.listen(0, "127.0.0.1", () => console.log(`relay on ${(server.address() as AddressInfo).port}`));
process.on("SIGTERM", () => process.exit(0));

// What PtyProcess relies on inside node-pty (checked before use, so another version degrades to
// plain reading through its stream).
import { readFileSync, readSync } from "node:fs";
import type { IPty } from "node-pty";

/** Most bytes read synchronously at exit (a background process may still hold the terminal open). */
const MAX_TAIL_BYTES = 8 * 1024 * 1024;

/** What node-pty keeps on its terminal object that PtyProcess uses (each checked before use). */
export interface PtyInternals {
  /** The master fd, and the slave's path. */
  _fd?: unknown;
  _pty?: unknown;
  /** Its read stream (a `tty.ReadStream`). */
  _socket?: {
    _handle?: { setBlocking?(blocking: boolean): number; readStop?(): number };
    _read?: unknown;
    read(): unknown;
    destroyed?: boolean;
    destroy(...args: unknown[]): unknown;
  };
  /** Its write stream: the fd and the queue of writes not completed yet. */
  _writeStream?: { _fd?: unknown; _writeQueue?: unknown };
}

/** Linux: whether `fd` has O_NONBLOCK (a blocking write could stall the event loop). Elsewhere: false. */
export function isNonBlocking(fd: number): boolean {
  try {
    const flags = /^flags:\s+(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))?.[1];
    return flags !== undefined && (Number.parseInt(flags, 8) & 0o4000) !== 0;
  } catch {
    return false;
  }
}

/**
 * node-pty destroys its read socket 200 ms after the child exits if the socket has not closed by
 * then; when the event loop was busy (or reading was paused) the last output still waiting in the
 * kernel or in the stream's buffer was dropped. This reads it out before that destroy.
 */
export function keepTailAtExit(pty: IPty, onData: (chunk: Buffer) => void): void {
  const { _socket: socket, _fd: fd } = pty as unknown as PtyInternals;
  if (!socket || typeof socket.destroy !== "function" || typeof fd !== "number") return;
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (...args: unknown[]) => {
    if (!socket.destroyed) {
      try {
        while (socket.read() !== null); // buffered in the stream: delivered as 'data' events
        const buf = Buffer.allocUnsafe(64 * 1024);
        for (let total = 0; total < MAX_TAIL_BYTES; ) {
          const n = readSync(fd, buf); // non-blocking: EAGAIN when empty, EIO once drained
          if (n <= 0) break;
          total += n;
          onData(Buffer.from(buf.subarray(0, n)));
        }
      } catch {
        // EAGAIN / EIO: nothing more to read.
      }
    }
    return destroy(...args);
  };
}

// Flood elision end to end: a real program floods a real PTY; the server's screen and history must
// equal an xterm fed every byte that /ws/raw delivered (repaint included), in both emulator modes.
import { connectTestClient, disposeLeftovers, trackLeftover, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { lineText } from "../src/protocol/screen.js";
import { Emulator, startWshServer } from "../src/server/index.js";
import { Terminal } from "../src/server/terminal/xterm.js";
import { decoder } from "./helpers.js";

afterEach(disposeLeftovers);

const SCROLLBACK = 2000;

describe("flood elision on a real PTY", () => {
  for (const mode of ["main", "worker"] as const) {
    test(`seq and a long unbroken line end in the same state as parsing every byte (${mode})`, {
      timeout: 90_000,
    }, async () => {
      const s = await startWshServer({
        command: "/bin/sh",
        // A numbered flood, then one line of 3 MB (wrapping), then a marker.
        args: ["-c", "read x; seq 1 400000; head -c 3000000 /dev/zero | tr '\\0' q; echo; echo END; read y"],
        cols: 80,
        rows: 24,
        scrollback: SCROLLBACK,
        emulatorThread: mode,
        floodElision: { scanBytes: 256 * 1024 },
        heartbeatMs: false,
        closeGraceMs: 500,
        // The reference needs every byte: a mark above the whole flood (~5.7 MB) means the client is
        // never skipped and repainted, however far behind a busy machine lets it fall.
        limits: { rawHighWaterMark: 64 * 1024 * 1024 },
      });
      trackLeftover(() => s.close());
      const raw = await connectTestClient(`${s.url.replace(/^http/, "ws")}/ws/raw`);
      await raw.next(); // the repaint of the blank screen: part of the stream the reference gets too
      expect((await fetch(`${s.url}/input`, { method: "POST", body: "\r" })).status).toBe(204);
      let seen = 1;
      let tail = "";
      await waitFor(
        () => {
          for (; seen < raw.received.length; seen++) {
            const m = raw.received[seen];
            tail = (tail + (typeof m === "string" ? m : decoder.decode(m))).slice(-16);
          }
          return tail.endsWith("END\r\n");
        },
        { timeoutMs: 60_000, message: "the flood to reach the client" },
      );
      await s.session.emulator.settled(); // every byte the client has, the emulator was given first
      expect(s.raw.endpoint.stats.skipped).toBe(0);

      const ref = new Terminal({ cols: 80, rows: 24, scrollback: SCROLLBACK, allowProposedApi: true });
      trackLeftover(() => ref.dispose());
      for (const m of raw.received) await new Promise<void>((r) => ref.write(m as Uint8Array | string, r));
      const b = ref.buffer.active;
      const want = Array.from({ length: b.length }, (_, i) => b.getLine(i)?.translateToString(true) ?? "");

      const sb = await (await fetch(`${s.url}/scrollback?format=plain&limit=${SCROLLBACK + 24}`)).json();
      expect(sb.total_lines).toBe(b.length);
      expect(sb.lines.map((l: unknown) => lineText(l as string))).toEqual(want);
      const screen = await (await fetch(`${s.url}/screen?format=plain`)).json();
      expect(screen.lines.map((l: unknown) => lineText(l as string))).toEqual(want.slice(-24));
      expect(screen.cursor).toMatchObject({ row: b.cursorY, col: b.cursorX });
      expect(want.at(-2)).toBe("END");
      if (s.session.emulator instanceof Emulator) expect(s.session.emulator.elidedBytes).toBeGreaterThan(0);
    });
  }
});

import { connectTestClient, deferred, disposeLeftovers, type TestClient, waitFor } from "@proj/ws-core/testing";
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";
import { Emulator } from "../src/server/index.js";
import { bytesText, input, mountShell, startShell, stopFile, waitForScreen, wsBase } from "./helpers.js";

afterEach(disposeLeftovers);

const raw = (s: { url: string }) => connectTestClient(`${wsBase(s as never)}/ws/raw`);
const received = (c: TestClient) => bytesText(c.received);

describe("/ws/raw", () => {
  test("binary and text input reach the PTY; output comes back as binary frames", async () => {
    const s = await startShell();
    const c = await raw(s);
    c.send(new TextEncoder().encode("echo BIN''ARY\r"));
    await waitFor(() => received(c).includes("BINARY\r\n"));
    c.send("echo TE''XT\r");
    await waitFor(() => received(c).includes("TEXT\r\n"));
    expect(c.received.every((m) => m instanceof Uint8Array)).toBe(true);
  });

  test("a late joiner first gets a repaint that rebuilds the current screen", async () => {
    const s = await startShell({ cols: 60, rows: 10 });
    await input(s, "printf '\\033[1;31mRED\\033[0m plain\\n'; echo BEFORE\r");
    await waitForScreen(s, "BEFORE\n$");
    const c = await raw(s);
    await waitFor(() => c.received.length > 0);
    const first = bytesText([c.received[0] as Uint8Array]);
    expect(first.startsWith("\x1bc")).toBe(true);
    const copy = new Emulator({ cols: 60, rows: 10, scrollback: 1000 });
    copy.write(c.received[0] as Uint8Array);
    await copy.settled();
    await s.session.emulator.settled();
    expect(copy.screen("styled").lines).toEqual(s.session.emulator.screen("styled").lines);
    expect(copy.cursor()).toEqual(s.session.emulator.cursor());
  });

  test.each(["main", "worker"] as const)(
    "a joiner during a flood gets a repaint that the live bytes continue exactly (%s emulator)",
    { timeout: 60_000 },
    async (emulatorThread) => {
      // Short repaint history, long server history: the compared lines always span the join.
      const s = await startShell({ emulatorThread, rows: 10, scrollback: 100_000, limits: { repaintScrollback: 50 } });
      // The test, not the clock, decides where the join falls. The flood has three phases, each
      // waiting for a line of input before it starts: phase 1 comes before the join, phase 2 while
      // the joiner's repaint is held back (so all of it is parked), phase 3 while the repaint and the
      // parked bytes go out. The whole flood (~170 KB) stays far below the raw high-water mark, so
      // the joiner can never be skipped and repainted a second time.
      const per = 5000;
      await input(
        s,
        `f() { while [ $i -lt $1 ]; do i=$((i+1)); echo "line $i"; done; }; ` +
          `i=0; f ${per}; read a; f ${2 * per}; read a; f ${3 * per}; echo JO''INED\r`,
      );
      const phaseEnd = (n: number) => waitForScreen(s, new RegExp(`^line ${n}$`, "m"), 30_000);
      await phaseEnd(per);
      // Hold the joiner's repaint: it is still taken where the join falls in the byte stream, only
      // handed to the stream later, as a slow repaint (a busy worker, a long screen) would be.
      const emulator = s.session.emulator;
      const takeRepaint = emulator.repaintWhenParsed.bind(emulator);
      const hold = deferred<void>();
      let requested = 0;
      emulator.repaintWhenParsed = (scrollback) => {
        requested++;
        const taken = takeRepaint(scrollback);
        return hold.promise.then(() => taken);
      };
      const c = await raw(s);
      await waitFor(() => requested === 1, { message: "repaint requested" });
      await input(s, "\r"); // phase 2: output while the repaint is pending
      await phaseEnd(2 * per);
      expect(c.received).toHaveLength(0); // all of phase 2 waits behind the repaint
      await input(s, "\r"); // phase 3 runs while the repaint and the parked bytes are sent
      hold.resolve();
      await waitFor(() => received(c).includes("JOINED\r\n"), { timeoutMs: 30_000, message: "JOINED at the joiner" });
      await waitForScreen(s, "JOINED\n$", 30_000);
      await s.session.emulator.settled();
      expect(requested).toBe(1); // one repaint: the joiner never lagged
      expect(bytesText([c.received[0] as Uint8Array]).startsWith("\x1bc")).toBe(true);
      const replay = new Emulator({ cols: 80, rows: 10, scrollback: 100_000 });
      for (const m of c.received) replay.write(m as Uint8Array);
      await replay.settled();
      // A chunk lost or doubled around the join would show as a gap or a repeat in the numbered lines.
      const mine = replay.scrollback("plain", 0, 1_000_000).lines;
      const theirs = (await s.session.emulator.readScrollback("plain", 0, 1_000_000))?.lines ?? [];
      expect(theirs).toContain("line 1");
      expect(mine).not.toContain("line 1"); // the joiner's history starts at its repaint...
      expect(mine).toContain(`line ${per}`); // ...which was taken at the end of phase 1
      expect(mine.length).toBeLessThan(theirs.length);
      expect(mine).toEqual(theirs.slice(-mine.length));
      const numbers = mine.flatMap((l) => /^line (\d+)$/.exec(String(l))?.[1] ?? []).map(Number);
      expect(numbers.at(-1)).toBe(3 * per);
      expect(numbers).toEqual(Array.from(numbers, (_, k) => (numbers[0] as number) + k));
      replay.dispose();
    },
  );

  test("without repaintOnConnect only future output is sent (upstream behaviour)", async () => {
    const s = await startShell({ repaintOnConnect: false });
    const c = await raw(s);
    await input(s, "echo FUT''URE\r");
    await waitFor(() => received(c).includes("FUTURE"));
    expect(received(c).startsWith("\x1bc")).toBe(false);
  });

  test("many viewers receive identical byte streams", async () => {
    const s = await startShell();
    const viewers = await Promise.all(Array.from({ length: 6 }, () => raw(s)));
    await waitFor(() => viewers.every((v) => v.received.length >= 1)); // the repaint
    const start = viewers.map((v) => v.received.length);
    await input(s, "i=0; while [ $i -lt 200 ]; do echo \"row $i\"; i=$((i+1)); done; echo AL''LDONE\r");
    // The shell then sits at its prompt: nothing follows it, so every stream is complete once it ends there.
    await waitFor(() => viewers.every((v) => received(v).endsWith("ALLDONE\r\n$ ")), {
      message: "every viewer at the prompt after ALLDONE",
    });
    const final = viewers.map((v, i) => Buffer.concat(v.received.slice(start[i]) as Uint8Array[]).toString("hex"));
    for (const f of final) expect(f).toBe(final[0]);
    expect(Buffer.from(final[0] as string, "hex").toString()).toContain("row 199");
  });

  test.each(["main", "worker"] as const)(
    "a stalled client never stalls the PTY or the others, and gets a repaint once it drains (%s emulator)",
    {
      timeout: 60_000,
    },
    async (emulatorThread) => {
      const s = await startShell({ emulatorThread, limits: { rawHighWaterMark: 64 * 1024 } });
      const slow = await raw(s);
      const [slowConn] = s.raw.endpoint.connections; // the server's end of `slow`, its only connection yet
      const fast = await raw(s);
      await waitFor(() => slow.received.length >= 1 && fast.received.length >= 1);
      const slowSocket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      slowSocket.pause();
      // Produce output until the stalled socket's buffers are full and the server skips frames for it
      // (for it: on a busy machine the fast client may be skipped now and then too), then stop the
      // loop with a file (Ctrl+C during a flood races with the tty's output flush).
      const stop = stopFile();
      await input(
        s,
        `while [ ! -e ${stop} ]; do head -c 1000000 /dev/zero | tr '\\0' a; done; echo; echo FLO''ODEND\r`,
      );
      await waitFor(() => (slowConn?.stats.skipped ?? 0) > 0, {
        timeoutMs: 30_000,
        message: "frames skipped for slow",
      });
      writeFileSync(stop, "");
      // The PTY and the fast client run to the end while the slow one reads nothing.
      await waitForScreen(s, "FLOODEND\n$", 30_000);
      await waitFor(() => received(fast).includes("FLOODEND"), { timeoutMs: 30_000 });
      slowSocket.resume();
      // Its missed output is replaced by a repaint showing the final screen.
      await waitFor(() => received(slow).includes("FLOODEND") && received(slow).lastIndexOf("\x1bc") > 0, {
        timeoutMs: 30_000,
      });
      // Both streams, replayed into fresh terminals, end on the server's screen.
      await s.session.emulator.settled();
      for (const c of [fast, slow]) {
        const copy = new Emulator({ cols: 80, rows: 24, scrollback: 1000 });
        for (const m of c.received) copy.write(m as Uint8Array);
        await copy.settled();
        expect(copy.screen("plain").lines).toEqual(s.session.emulator.screen("plain").lines);
      }
      expect(s.raw.lagRepaints(slowConn as NonNullable<typeof slowConn>)).toBeGreaterThan(0);
    },
  );

  test("an oversize frame closes that socket with 1009; others carry on", async () => {
    const s = await startShell({ limits: { maxPayload: 1024 } });
    const bad = await raw(s);
    const good = await raw(s);
    bad.send("x".repeat(4096));
    expect((await bad.closed).code).toBe(1009);
    good.send("echo ST''ILL\r");
    await waitFor(() => received(good).includes("STILL"));
  });

  test("close() kills a shell that ignores SIGHUP", async () => {
    const s = await startShell({
      command: "/bin/sh",
      args: ["-c", "trap '' HUP; echo '$ READY'; read x"],
      killGraceMs: 100,
    });
    const r = await raw(s);
    await s.close();
    expect((await s.closed).signal).toBe(9);
    expect(await r.closed).toEqual({ code: 1000, reason: "server shutting down" });
  });

  test("mounted on a shared server, upgrades during shutdown get 503 shutting_down", async () => {
    const { wsh, shared } = await mountShell({ closeGraceMs: 60_000 });
    const stalled = await connectTestClient(`${shared.wsUrl}/ws/raw`);
    await waitFor(() => stalled.received.length > 0);
    // A peer that never answers the close handshake keeps the endpoints in their closing phase.
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const closing = wsh.close();
    await waitFor(() => wsh.raw.endpoint.closing && wsh.json.endpoint.closing);
    for (const path of ["/ws/raw", "/ws/json"]) {
      const refused = await connectTestClient(`${shared.wsUrl}${path}`).catch((e) => e);
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body).error).toEqual({ code: "shutting_down", message: "Server is shutting down." });
    }
    stalled.ws.terminate();
    await closing;
  });

  test("when the shell exits every socket gets 1000 'server shutting down'", async () => {
    const s = await startShell();
    const r = await raw(s);
    const unsubscribed = await connectTestClient(`${wsBase(s)}/ws/json`);
    const subscribed = await connectTestClient(`${wsBase(s)}/ws/json`);
    await subscribed.nextJson();
    subscribed.send({ events: ["lines"] });
    await subscribed.nextJson((m: any) => m.event === "sync");
    await input(s, "exit\r");
    for (const c of [r, unsubscribed, subscribed])
      expect(await c.closed).toEqual({ code: 1000, reason: "server shutting down" });
    expect(await s.closed).toEqual({ exitCode: 0 });
    const after = await fetch(`${s.url}/health`).catch((e) => e);
    expect(after).toBeInstanceOf(Error);
  });
});

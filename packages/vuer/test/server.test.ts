import { CloseCode, deferred } from "@proj/ws-core";
import { disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { ClientEvent, decodeFrame, encodeFrame, rpcEvent, VuerTimeoutError } from "../src/index.js";
import { Box, DefaultScene } from "../src/schemas/index.js";
import type { IncomingEvent, VuerSession } from "../src/server/index.js";
import { HelloEvent, MoveBoxEvent, rawPeer, startVuer, vuerClient, nodesOf } from "./helpers.js";

afterEach(disposeLeftovers);

describe("seed example (Step 1 + Step 2)", () => {
  test("HELLO and MOVE_BOX are answered with UPSERTs of the box", async () => {
    const { app, url } = await startVuer();
    const hellos: unknown[] = [];
    app.addHandler("HELLO", (event, session) => {
      hellos.push(event.value);
      session.upsert(Box({ args: [0.3, 0.3, 0.3], key: "box", position: [0, 0.5, 0] }));
    });
    app.addHandler("MOVE_BOX", (event, session) => {
      const pos = (event.value as { position?: number[] }).position ?? [0, 0, 0];
      session.upsert(Box({ args: [0.3, 0.3, 0.3], key: "box", position: pos }));
    });
    app.spawn(async (session) => {
      session.set(DefaultScene());
      await session.forever();
    });
    const client = await vuerClient(url);
    const set = await client.recv({ timeoutMs: 5000 });
    expect(set?.etype).toBe("SET");
    client.sendNow(new HelloEvent({ value: { message: "Hi!" } }));
    await client.send(new MoveBoxEvent({ value: { position: [1, 0.5, 0] } }));
    const first = await client.recv({ timeoutMs: 5000 });
    const second = await client.recv({ timeoutMs: 5000 });
    expect(first?.etype).toBe("UPSERT");
    expect(nodesOf(first)[0]).toMatchObject({ key: "box", tag: "Box", position: [0, 0.5, 0] });
    expect(nodesOf(second)[0]?.position).toEqual([1, 0.5, 0]);
    expect(hellos).toEqual([{ message: "Hi!" }]);
    expect(client.scene.find("box")?.position).toEqual([1, 0.5, 0]);
    expect(client.scene.find("grid")).toMatchObject({ tag: "Grid" });
    await client.close();
  });
});

describe("spawn and INIT", () => {
  test("spawn runs after INIT, till('INIT') returns that INIT, and the socket closes when spawn returns", async () => {
    const { app, url } = await startVuer();
    const seen = deferred<IncomingEvent>();
    app.spawn(async (session) => {
      const init = await session.till("INIT", { timeoutMs: 2000 });
      seen.resolve(init);
      session.set(DefaultScene());
    });
    const client = await vuerClient(url, { clientInfo: { tag: "A" } });
    const init = await seen.promise;
    expect(init.value).toMatchObject({ client: "node", tag: "A" });
    const events: string[] = [];
    for await (const ev of client) events.push(ev.etype);
    expect(events).toEqual(["SET"]); // iteration ended: the server closed after spawn returned
    expect(client.connected).toBe(false);
  });

  test("a Python client's exact INIT frame starts a spawn filtered on client=python", async () => {
    const { app, url } = await startVuer();
    const seen = deferred<IncomingEvent>();
    app.spawn(
      async (s) => {
        seen.resolve(await s.till("INIT"));
        await s.forever();
      },
      { filters: { client: "python" } },
    );
    const peer = await rawPeer(url, false);
    const init = new ClientEvent({
      etype: "INIT",
      value: { client: "python", clientVersion: "0.1.6" },
      ts: 1700000000.123,
    });
    peer.send(encodeFrame(init.toWire()));
    const got = await seen.promise;
    expect(got).toEqual({ ts: 1700000000123, etype: "INIT", value: { client: "python", clientVersion: "0.1.6" } });
    await peer.close();
  });

  test("spawn filters pick the first matching function; no INIT means no spawn but handlers still run", async () => {
    const { app, url } = await startVuer();
    const ran: string[] = [];
    app.spawn(
      async (s) => {
        ran.push("python");
        await s.forever();
      },
      { filters: { client: "python" } },
    );
    app.spawn(
      async (s) => {
        ran.push(`browser ${s.init?.value.screenWidth}`);
        await s.forever();
      },
      { filters: { client: "b*" } },
    );
    const ops: string[] = [];
    app.addHandler("OP", (ev) => {
      ops.push(ev.value);
    });
    const noInit = await rawPeer(url, false);
    noInit.sendEvent({ etype: "OP", value: "x" });
    await waitFor(() => ops.length === 1);
    expect(ran).toEqual([]);
    const browser = await rawPeer(url, { client: "browser", screenWidth: 800 });
    await waitFor(() => ran.length === 1);
    expect(ran).toEqual(["browser 800"]);
    await browser.close();
    await noInit.close();
  });

  test("till is scoped to its session: with two clients each waiter gets its own client's event", async () => {
    const { app, url } = await startVuer();
    app.spawn(async (session) => {
      const init = await session.till("INIT"); // upstream: B's INIT would resolve A's waiter, and B would hang
      const ready = await session.till("READY");
      session.upsert(Box({ key: "who", name: ready.value, initOf: init.value.who }));
      await session.forever();
    });
    const a = await vuerClient(url, { clientInfo: { who: "a" } });
    const b = await vuerClient(url, { clientInfo: { who: "b" } });
    await b.send({ etype: "READY", value: "b" });
    const forB = await b.recv({ timeoutMs: 5000 });
    expect(nodesOf(forB)[0]).toMatchObject({ name: "b", initOf: "b" });
    await a.send({ etype: "READY", value: "a" });
    // Had B's event resolved A's till (upstream's global waiters), A's first frame would have been name "b".
    const forA = await a.recv({ timeoutMs: 5000 });
    expect(nodesOf(forA)[0]).toMatchObject({ name: "a", initOf: "a" });
  });

  test("INIT, the next event and a close in one TCP chunk: till after till('INIT') sees it, handlers run", async () => {
    const { app, url } = await startVuer();
    const seen = deferred<string>();
    const hellos: unknown[] = [];
    app.addHandler("HELLO", (ev) => {
      hellos.push(ev.value);
    });
    app.spawn(async (session) => {
      await session.till("INIT");
      const ready = await session.till("READY", { timeoutMs: 5000 }).catch((e: Error) => e.name);
      seen.resolve(typeof ready === "string" ? ready : ready.value);
      await session.forever();
    });
    const peer = await rawPeer(url, false);
    const frames = [
      { etype: "INIT", value: { client: "browser" } },
      { etype: "READY", value: "r" },
      { etype: "HELLO", value: "last words" },
    ].map((ev) => maskedFrame(0x2, encodeFrame({ ts: 0, ...ev })));
    // ws on the server emits all of these in one go; a close frame (1000) follows in the same write.
    socketOf(peer).write(Buffer.concat([...frames, maskedFrame(0x8, Uint8Array.from([0x03, 0xe8]))]));
    expect(await seen.promise).toBe("r");
    await waitFor(() => hellos.length === 1);
    expect(hellos).toEqual(["last words"]);
  });

  test("till times out with VuerTimeoutError, and rejects when the session closes", async () => {
    const { app, url } = await startVuer();
    const outcomes: unknown[] = [];
    const done = deferred<void>();
    app.spawn(async (session) => {
      await session.till("NEVER", { timeoutMs: 20 }).catch((e) => outcomes.push(e));
      const pending = session.till("NEVER_EITHER").catch((e) => outcomes.push(e));
      session.close(CloseCode.Normal, "bye");
      await pending;
      done.resolve();
    });
    await vuerClient(url);
    await done.promise;
    expect(outcomes[0]).toBeInstanceOf(VuerTimeoutError);
    expect((outcomes[1] as Error).name).toBe("ConnectionClosedError");
  });

  test("a throwing handler is reported and the connection carries on", async () => {
    const { app, url, errors } = await startVuer();
    app.addHandler("BOOM", () => {
      throw new Error("boom");
    });
    app.addHandler("ASYNC_BOOM", async () => {
      throw new Error("async boom");
    });
    app.addHandler("PING", (_e, s) => {
      s.send({ ts: Date.now(), data: "pong", etype: "PONG" });
    });
    const c = await vuerClient(url);
    await c.send({ etype: "BOOM" });
    await c.send({ etype: "ASYNC_BOOM" });
    await c.send({ etype: "PING" });
    expect((await c.recv({ timeoutMs: 5000 }))?.etype).toBe("PONG");
    await waitFor(() => errors.length === 2);
    expect(app.stats.handlerErrors).toBe(2);
  });

  test("addHandler returns a cleanup function and once handlers run once", async () => {
    const { app, url } = await startVuer();
    const calls: string[] = [];
    const off = app.addHandler("E", () => calls.push("always"));
    app.addHandler("E", () => calls.push("once"), { once: true });
    app.addHandler("DONE", (_e, s) => s.send({ ts: 0, data: null, etype: "DONE" }));
    const c = await vuerClient(url);
    await c.send({ etype: "E" });
    await waitFor(() => calls.length === 2);
    off();
    await c.send({ etype: "E" });
    await c.send({ etype: "DONE" });
    await c.recv({ timeoutMs: 5000 });
    expect(calls).toEqual(["always", "once"]);
  });
});

describe("RPC", () => {
  test("grabRender resolves with the client's answer, matched by rtype", async () => {
    const { app, url } = await startVuer();
    const result = deferred<IncomingEvent>();
    app.spawn(async (session) => {
      result.resolve(await session.grabRender({ quality: 0.5, downsample: 2 }, { timeoutMs: 5000 }));
      await session.forever();
    });
    const c = await vuerClient(url);
    const req = await c.recv({ timeoutMs: 5000 });
    expect(req).toMatchObject({ etype: "GRAB_RENDER", key: "DEFAULT", data: { quality: 0.5, downsample: 2 } });
    expect(req?.rtype).toBe(`GRAB_RENDER_RESPONSE@${req?.uuid}`);
    // An answer for another request id must not resolve it.
    await c.send({ etype: "GRAB_RENDER_RESPONSE@someone-else", value: { frame: new Uint8Array([0]) } });
    await c.respond(req as any, { frame: new Uint8Array([0xff, 0xd8, 0xff]), width: 2, height: 1 });
    const answer = await result.promise;
    expect(answer.key).toBe("DEFAULT");
    expect(answer.value.frame).toEqual(new Uint8Array([0xff, 0xd8, 0xff]));
  });

  test("generic rpc: upstream's frame (no rtype), answered with RPC_RESPONSE@<uuid> within the session", async () => {
    const { app, url } = await startVuer();
    const result = deferred<IncomingEvent>();
    app.spawn(async (session) => {
      result.resolve(await session.rpc(rpcEvent({ question: 6 }), { timeoutMs: 5000 }));
      await session.forever();
    });
    const c = await vuerClient(url);
    const req = await c.recv({ timeoutMs: 5000 });
    expect(req).toMatchObject({ etype: "RPC", data: { question: 6 } });
    expect(Object.keys(req ?? {})).toEqual(["uuid", "ts", "data", "etype"]);
    // Another request id's answer must not resolve it; respond() answers `RPC_RESPONSE@<uuid>`.
    await c.send({ etype: "RPC_RESPONSE@someone-else", value: 0 });
    await c.respond(req as any, 42);
    expect((await result.promise).value).toBe(42);
  });

  test("an unanswered RPC rejects with VuerTimeoutError and the session stays usable", async () => {
    const { app, url } = await startVuer({ rpcTimeoutMs: 30 });
    const outcome = deferred<unknown>();
    app.spawn(async (session) => {
      try {
        await session.grabRender({ quality: 0.5 });
        outcome.resolve("answered?");
      } catch (err) {
        outcome.resolve(err);
      }
      session.upsert(Box({ key: "after-timeout" }));
      await session.forever();
    });
    const c = await vuerClient(url);
    const err = await outcome.promise;
    expect(err).toBeInstanceOf(VuerTimeoutError);
    expect((err as VuerTimeoutError).etype).toMatch(/^GRAB_RENDER_RESPONSE@/);
    await waitFor(() => c.scene.find("after-timeout"));
  });
});

describe("limits and bad input", () => {
  test("text frames close with 1003, invalid msgpack and non-events with 1007; other clients carry on", async () => {
    const { app, url } = await startVuer();
    app.addHandler("HELLO", (_e, s) => s.upsert(Box({ key: "box" })));
    const good = await vuerClient(url);
    const cases: Array<[string | Uint8Array, number]> = [
      ["hello", CloseCode.UnsupportedData],
      [new Uint8Array([0xc1]), CloseCode.InvalidPayload],
      [new Uint8Array([0x81, 0xa5]), CloseCode.InvalidPayload], // truncated
      [new Uint8Array([0x80, 0x00]), CloseCode.InvalidPayload], // trailing byte
      [new Uint8Array([0x93, 1, 2, 3]), CloseCode.InvalidPayload], // not a map
      [new Uint8Array([0x81, 0xa1, 0x61, 0x01]), CloseCode.InvalidPayload], // no etype
      [new Uint8Array([0xd4, 0x01, 0x00]), CloseCode.InvalidPayload], // extension type
    ];
    for (const [frame, code] of cases) {
      const bad = await rawPeer(url, false);
      bad.send(frame);
      expect((await bad.closed).code).toBe(code);
    }
    expect(app.stats.badFrames).toBe(cases.length);
    await good.send(new HelloEvent({ value: {} }));
    expect((await good.recv({ timeoutMs: 5000 }))?.etype).toBe("UPSERT");
  });

  test("an INIT whose value is not a map (or is hostile) matches no filtered spawn and crashes nothing", async () => {
    const { app, url } = await startVuer();
    const ran: string[] = [];
    app.spawn(
      async (s) => {
        ran.push(String(s.init?.value?.client));
        await s.forever();
      },
      { filters: { client: "*" } },
    );
    for (const value of ["x", null, 5, { client: { toString: 1 } }]) {
      const peer = await rawPeer(url, false);
      peer.sendEvent({ etype: "INIT", value });
      peer.sendEvent({ etype: "PING" }); // still connected afterwards
      await waitFor(() => app.sessions.size === 1 && [...app.sessions.values()][0]?.stats.received === 2);
      await peer.close();
      await waitFor(() => app.sessions.size === 0);
    }
    const ok = await rawPeer(url, { client: "node" });
    await waitFor(() => ran.length === 1);
    expect(ran).toEqual(["node"]);
    await ok.close();
  });

  test("frames over maxSize close with 1009", async () => {
    const { app, url } = await startVuer({ maxSize: 1024 });
    app.addHandler("SMALL", (ev, s) => s.send({ ts: 0, data: (ev.value as Uint8Array).byteLength, etype: "GOT" }));
    const peer = await rawPeer(url);
    peer.sendEvent({ etype: "BIG", value: new Uint8Array(2000) });
    expect((await peer.closed).code).toBe(CloseCode.MessageTooBig);
    const ok = await rawPeer(url);
    ok.sendEvent({ etype: "SMALL", value: new Uint8Array(500) });
    expect((await ok.nextEvent((e) => e.etype === "GOT")).data).toBe(500);
  });

  test("a slow client's queue keeps the newest frames, drops the oldest and counts them", async () => {
    const { app, url } = await startVuer({ queueLen: 5, sendHighWaterMark: 1 });
    const spawned = deferred<VuerSession>();
    app.spawn(async (s) => {
      spawned.resolve(s);
      await s.forever();
    });
    const peer = await rawPeer(url);
    const session = await spawned.promise;
    peer.ws.pause(); // stop reading: the socket backs up, the queue fills
    const total = 120;
    const blob = new Uint8Array(256 * 1024);
    const results = new Map<string, number>();
    for (let i = 0; i < total; i++) {
      const r = session.send({ ts: 0, data: { i, blob }, etype: "FRAME" });
      results.set(r, (results.get(r) ?? 0) + 1);
    }
    // The loop ran in one go, so nothing drained meanwhile: the first frames went out while the socket took them,
    // the queue holds the newest 5, everything in between was dropped (oldest first) and counted.
    const after = session.stats;
    expect(after.queued).toBe(5);
    expect(after.dropped).toBeGreaterThan(0);
    expect(after.sent + after.dropped + after.queued).toBe(total);
    expect(results.get("sent")).toBe(after.sent);
    expect(results.get("dropped")).toBe(after.dropped);
    peer.ws.resume();
    await peer.nextEvent((ev) => (ev.data as { i: number }).i === total - 1, 20_000);
    const indices = peer.received
      .filter((m): m is Uint8Array => typeof m !== "string")
      .map((m) => (decodeFrame(m) as { data: { i: number } }).data.i);
    const newest = [total - 5, total - 4, total - 3, total - 2, total - 1];
    expect(indices).toEqual([...Array.from({ length: after.sent }, (_, i) => i), ...newest]);
    const final = session.stats;
    expect(final).toMatchObject({ sent: after.sent + 5, dropped: after.dropped, queued: 0 });
  }, 30_000);
});

/** A client-to-server WebSocket frame (FIN, masked with a zero key) for payloads under 126 bytes. */
function maskedFrame(opcode: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.byteLength, 0, 0, 0, 0]), payload]);
}

/** The TCP socket under a test peer's `ws`, to write several frames in one chunk. */
function socketOf(peer: { ws: unknown }): { write(b: Uint8Array): void } {
  return (peer.ws as { _socket: { write(b: Uint8Array): void } })._socket;
}

describe("RPC frames as upstream sends them", () => {
  // msgpack.packb(ServerRPC({"question": 6}, uuid=..., ts=...)._serialize(), use_single_float=True, use_bin_type=True)
  // from upstream vuer 0.1.6: {uuid, ts, data, etype}, no rtype (a class attribute there, never serialised).
  const UPSTREAM_RPC =
    "84a475756964d92430303030303030302d303030302d303030302d303030302d303030303030303030303031a27473cf0000018bcfe5687b" +
    "a46461746181a87175657374696f6e06a56574797065a3525043";
  const uuid = "00000000-0000-0000-0000-000000000001";

  test("rpcEvent encodes byte for byte as upstream's ServerRPC", () => {
    const ours = encodeFrame(rpcEvent({ question: 6 }, { uuid, ts: 1700000000123 }));
    expect(Buffer.from(ours).toString("hex")).toBe(UPSTREAM_RPC);
    expect(ours.byteLength).toBe(82);
  });

  test("VuerClient.respond answers upstream's exact frame with RPC_RESPONSE@<uuid>", async () => {
    const { app, url } = await startVuer();
    const answer = deferred<IncomingEvent>();
    app.addHandler(`RPC_RESPONSE@${uuid}`, (ev) => answer.resolve(ev));
    app.spawn(async (session) => {
      session.send(Buffer.from(UPSTREAM_RPC, "hex"));
      await session.forever();
    });
    const c = await vuerClient(url);
    const req = await c.recv({ timeoutMs: 5000 });
    expect(req?.rtype).toBeUndefined();
    await c.respond(req as any, { answer: 42 });
    expect((await answer.promise).value).toEqual({ answer: 42 });
    await expect(c.respond({ etype: "RPC" } as any, 1)).rejects.toThrow(TypeError);
  });
});

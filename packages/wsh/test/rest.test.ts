import { connectTestClient, disposeLeftovers, waitFor } from "@proj/ws-core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { input, mountShell, screenText, startShell, waitForScreen, wsBase } from "./helpers.js";

afterEach(disposeLeftovers);

const errorOf = async (r: Response) => ((await r.json()) as { error: { code: string; message: string } }).error;

describe("REST on a real PTY", () => {
  test("health, input, screen, scrollback, 404/405/400/413, input mode, resize", async () => {
    const s = await startShell({ limits: { maxBodyBytes: 1024 } });

    // /health
    const h = await fetch(`${s.url}/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: "ok" });

    // POST /input: empty body 204; three requests arrive in order; the echo reaches the screen
    expect((await fetch(`${s.url}/input`, { method: "POST" })).status).toBe(204);
    for (const m of ["A1", "B2", "C3"]) await input(s, `echo MARK${m}\r`);
    await waitForScreen(s, "MARKC3\n$");
    const text = screenText(s);
    expect(text.indexOf("MARKA1\n")).toBeLessThan(text.indexOf("MARKB2\n"));
    expect(text.indexOf("MARKB2\n")).toBeLessThan(text.indexOf("MARKC3\n"));

    // GET /screen in both formats
    const plain = await (await fetch(`${s.url}/screen?format=plain`)).json();
    expect(plain).toMatchObject({ cols: 80, rows: 24, alternate_active: false });
    expect(plain.lines).toHaveLength(24);
    expect(plain.lines).toContain("MARKA1");
    expect(plain.total_lines).toBe(plain.first_line_index + plain.lines.length);
    const styled = await (await fetch(`${s.url}/screen`)).json();
    expect(Array.isArray(styled.lines[0])).toBe(true);

    // GET /scrollback defaults and paging
    const sb = await (await fetch(`${s.url}/scrollback?format=plain&offset=0&limit=3`)).json();
    expect(sb).toMatchObject({ offset: 0, total_lines: plain.total_lines, epoch: plain.epoch });
    expect(sb.lines).toHaveLength(3);
    expect((await (await fetch(`${s.url}/scrollback?offset=100000`)).json()).lines).toEqual([]);

    // errors: unknown path, wrong method, bad query, too large a body
    const nf = await fetch(`${s.url}/nonexistent`);
    expect(nf.status).toBe(404);
    expect(await errorOf(nf)).toEqual({ code: "not_found", message: "Not found." });
    expect((await fetch(`${s.url}/input`)).status).toBe(405);
    expect((await fetch(`${s.url}/health`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${s.url}/input/mode`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${s.url}/input/capture`)).status).toBe(405);
    expect((await fetch(`${s.url}/input/release`)).status).toBe(405);
    const badFormat = await fetch(`${s.url}/screen?format=foo`);
    expect(badFormat.status).toBe(400);
    expect((await errorOf(badFormat)).code).toBe("invalid_format");
    const badOffset = await fetch(`${s.url}/scrollback?offset=-1`);
    expect(badOffset.status).toBe(400);
    expect((await errorOf(badOffset)).code).toBe("invalid_request");
    const big = await fetch(`${s.url}/input`, { method: "POST", body: "x".repeat(5000) });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe("payload_too_large");
    const noUpgrade = await fetch(`${s.url}/ws/raw`);
    expect(noUpgrade.status).not.toBe(404);
    expect(noUpgrade.status).toBeGreaterThanOrEqual(400);

    // input mode: default passthrough, capture/release idempotent, shared across requests
    const mode = async () => (await (await fetch(`${s.url}/input/mode`)).json()).mode;
    expect(await mode()).toBe("passthrough");
    for (let i = 0; i < 3; i++) expect((await fetch(`${s.url}/input/capture`, { method: "POST" })).status).toBe(204);
    expect(await mode()).toBe("capture");
    expect(await mode()).toBe("capture");
    for (let i = 0; i < 3; i++) expect((await fetch(`${s.url}/input/release`, { method: "POST" })).status).toBe(204);
    expect(await mode()).toBe("passthrough");

    // resize: PTY and screen follow; bad sizes are 400
    const rs = await fetch(`${s.url}/resize`, { method: "POST", body: JSON.stringify({ cols: 100, rows: 30 }) });
    expect(rs.status).toBe(204);
    expect(await (await fetch(`${s.url}/screen`)).json()).toMatchObject({ cols: 100, rows: 30 });
    await input(s, "stty size\r");
    await waitForScreen(s, "30 100");
    for (const body of ['{"cols":0,"rows":5}', '{"cols":"a"}', "nope", '{"cols":5000,"rows":5}']) {
      const r = await fetch(`${s.url}/resize`, { method: "POST", body });
      expect(r.status).toBe(400);
      expect((await errorOf(r)).code).toBe("invalid_request");
    }
  });

  test("scrollback counts with a 5-row PTY and 20 commands", async () => {
    const s = await startShell({ rows: 5 });
    await input(s, "for i in $(seq 1 20); do echo line$i; done\r");
    await waitForScreen(s, "line20\n$");
    const sb = await (await fetch(`${s.url}/scrollback?format=plain&limit=10000`)).json();
    expect(sb.total_lines).toBeGreaterThan(20);
    expect(sb.lines).toContain("line1");
    expect(sb.lines).toContain("line20");
    const screen = await (await fetch(`${s.url}/screen?format=plain`)).json();
    expect(screen.first_line_index).toBe(sb.total_lines - 5);
    expect(screen.total_lines).toBe(sb.total_lines);
  });
});

describe("auth", () => {
  test("401 auth_required, 403 auth_invalid, bearer or ?token=, /health exempt, upgrades checked too", async () => {
    const s = await startShell({ token: "s3cret" });
    const missing = await fetch(`${s.url}/screen`);
    expect(missing.status).toBe(401);
    expect(await errorOf(missing)).toEqual({
      code: "auth_required",
      message: "Authentication required. Provide a token via Authorization header or ?token= query parameter.",
    });
    const wrong = await fetch(`${s.url}/screen`, { headers: { Authorization: "Bearer nope" } });
    expect(wrong.status).toBe(403);
    expect((await errorOf(wrong)).code).toBe("auth_invalid");
    expect((await fetch(`${s.url}/screen`, { headers: { Authorization: "Bearer s3cret" } })).status).toBe(200);
    expect((await fetch(`${s.url}/screen?token=s3cret`)).status).toBe(200);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);

    await expect(connectTestClient(`${wsBase(s)}/ws/raw`)).rejects.toMatchObject({ status: 401 });
    const refused = await connectTestClient(`${wsBase(s)}/ws/json?token=bad`).catch((e) => e);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.code).toBe("auth_invalid");
    const ok = await connectTestClient(`${wsBase(s)}/ws/json`, { headers: { Authorization: "Bearer s3cret" } });
    expect(await ok.nextJson()).toEqual({ connected: true });
    const okQuery = await connectTestClient(`${wsBase(s)}/ws/raw?token=s3cret`);
    await waitFor(() => okQuery.received.length > 0);
  });

  test("no token configured: everything open", async () => {
    const s = await startShell();
    expect((await fetch(`${s.url}/screen`)).status).toBe(200);
  });
});

describe("mounting", () => {
  test("under a base path on ws-core's startWsServer next to another endpoint; final screen readable after exit", async () => {
    const { wsh, shared } = await mountShell({ basePath: "/wsh" });
    expect((await (await fetch(`${shared.url}/wsh/health`)).json()).status).toBe("ok");
    expect((await fetch(`${shared.url}/health`)).status).toBe(404);
    const json = await connectTestClient(`${shared.wsUrl}/wsh/ws/json`);
    expect(await json.nextJson()).toEqual({ connected: true });
    await expect(connectTestClient(`${shared.wsUrl}/ws/json`)).rejects.toMatchObject({ status: 404 });
    await fetch(`${shared.url}/wsh/input`, { method: "POST", body: "echo MOU''NTED; exit\r" });
    expect(await json.closed).toEqual({ code: 1000, reason: "server shutting down" });
    await wsh.closed;
    const after = await (await fetch(`${shared.url}/wsh/screen?format=plain`)).json();
    expect(after.lines).toContain("MOUNTED");
    expect((await fetch(`${shared.url}/wsh/input`, { method: "POST", body: "x" })).status).toBe(500);
  });
});

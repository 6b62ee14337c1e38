import { createServer, type Server } from "node:http";
import { closeHttpServer, listen } from "@proj/ws-core/server";
import { disposeLeftovers } from "@proj/ws-core/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { COMMAND_TYPES } from "../src/protocol/commands.js";
import { startTestBridge } from "./helpers/bridge.js";
import { alive, childrenOf, dataOf, type McpSession, startMcpSession, textOf } from "./helpers/mcp-session.js";

// Spawning the CLI and a Chromium beside other test processes on a loaded machine: generous bounds.
const BUDGET = 120_000;

const FORM = `<!doctype html><title>MCP form</title>
<style>body{margin:0;font:16px sans-serif} input,button{position:absolute;left:40px;width:200px;height:30px}</style>
<label for="name">Your name</label>
<input id="name" style="top:100px">
<button id="go" style="top:200px" onclick="document.getElementById('out').textContent='Hello, '+document.getElementById('name').value">Greet</button>
<p id="out" style="margin-top:300px"></p>`;

let page: Server;
let pageUrl: string;

beforeAll(async () => {
  page = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(FORM));
  pageUrl = `${(await listen(page, { host: "127.0.0.1", port: 0 })).url}/form.html`;
});

afterAll(async () => {
  await closeHttpServer(page);
  await disposeLeftovers();
});

describe("chrome-bridge mcp --launch (SDK client over stdio, real Chromium)", { timeout: BUDGET }, () => {
  let mcp: McpSession;

  beforeAll(async () => {
    mcp = await startMcpSession(["--launch"]);
  }, BUDGET);

  afterAll(async () => {
    await mcp?.close();
  }, BUDGET);

  test("lists one tool per bridge command, with JSON schemas from the command schemas", async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...COMMAND_TYPES].sort());
    for (const t of tools) {
      expect(t.inputSchema.type).toBe("object");
      expect(Object.keys(t.inputSchema.properties ?? {})).not.toContain("type");
      expect(Object.keys(t.inputSchema.properties ?? {})).not.toContain("command_id");
      expect(t.description).toBeTruthy();
    }
    const click = tools.find((t) => t.name === "mouse_click");
    expect(click?.inputSchema.properties).toMatchObject({
      button: { enum: ["left", "right", "middle"], default: "left" },
      count: { anyOf: expect.arrayContaining([expect.objectContaining({ type: "integer", maximum: 3 })]) },
    });
    expect(click?.inputSchema.required ?? []).toEqual([]); // every field has a default
    const tab = tools.find((t) => t.name === "tab");
    expect(tab?.inputSchema.required).toEqual(["action"]);
    expect(tools.find((t) => t.name === "get_tabs")?.annotations?.readOnlyHint).toBe(true);
  });

  test("opens a local page, fills the field and clicks the button with the pointer, reads the result", async () => {
    const opened = await mcp.call("tab", { action: "open", url: pageUrl });
    expect(opened.isError).toBeFalsy();
    const tabId = dataOf<{ tabId: number }>(opened).tabId;
    const tabs = dataOf<{ tabs: Array<{ id: number; url: string; active: boolean }> }>(await mcp.call("get_tabs"));
    expect(tabs.tabs.find((t) => t.id === tabId)).toMatchObject({ url: pageUrl, active: true });

    const centre = async (selector: string) => {
      const r = await mcp.call("evaluate", {
        expression: `(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect(); return { x: Math.round(r.x + r.width / 2), y: Math.round(r.y + r.height / 2) }; })()`,
      });
      expect(r.isError).toBeFalsy();
      return dataOf<{ value: { x: number; y: number } }>(r).value;
    };
    let at = { x: 0, y: 0 }; // the pointer starts in the top-left corner of a new tab
    const moveTo = async (to: { x: number; y: number }) => {
      const r = await mcp.call("mouse_move", { dx: to.x - at.x, dy: to.y - at.y, duration: 0.05 });
      at = dataOf<{ position: { x: number; y: number } }>(r).position;
      expect(at).toEqual(to);
    };

    await moveTo(await centre("#name"));
    expect((await mcp.call("mouse_click")).isError).toBeFalsy();
    const typed = await mcp.call("keyboard_type", { text: "Ada Lovelace" });
    expect(textOf(typed)).toContain("Typed: Ada Lovelace");
    await moveTo(await centre("#go"));
    await mcp.call("mouse_click", { tab_id: tabId });

    const out = await mcp.call("evaluate", { expression: "document.getElementById('out').textContent" });
    expect(dataOf<{ value: string }>(out).value).toBe("Hello, Ada Lovelace");
  });

  test("navigate, snapshot, fill a field and click a button by ref, wait for and read the result", async () => {
    const nav = await mcp.call("navigate", { url: pageUrl });
    expect(nav.isError).toBeFalsy();
    expect(dataOf<{ title: string }>(nav).title).toBe("MCP form");
    const snap = dataOf<{ elements: Array<{ ref: string; role: string; name: string }>; text: string }>(
      await mcp.call("snapshot"),
    );
    const field = snap.elements.find((e) => e.role === "textbox" && e.name === "Your name");
    const button = snap.elements.find((e) => e.role === "button" && e.name === "Greet");
    expect(field && button).toBeTruthy();
    const filled = await mcp.call("fill", { ref: field?.ref, value: "Grace Hopper" });
    expect(dataOf<{ value: string }>(filled).value).toBe("Grace Hopper");
    expect((await mcp.call("mouse_click", { ref: button?.ref })).isError).toBeFalsy();
    expect((await mcp.call("wait_for", { text: "Hello, Grace Hopper" })).isError).toBeFalsy();
    const after = dataOf<{ text: string }>(await mcp.call("snapshot"));
    expect(after.text).toContain("Hello, Grace Hopper");
    const stale = await mcp.call("fill", { ref: "e99999", value: "x" });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toContain("take a new snapshot");
  });

  test("a screenshot comes back as image content the model can see", async () => {
    const r = await mcp.call("screenshot", { format: "png", include_cursor: false });
    expect(r.isError).toBeFalsy();
    const image = r.content.find((c) => c.type === "image");
    expect(image).toMatchObject({ type: "image", mimeType: "image/png" });
    const bytes = Buffer.from((image as { data: string }).data, "base64");
    expect(bytes.subarray(1, 4).toString()).toBe("PNG");
    const meta = dataOf<{ width: number; height: number; imageData?: string }>(r);
    expect(bytes.readUInt32BE(16)).toBe(meta.width);
    expect(meta.imageData).toBeUndefined(); // not repeated as text
  });

  test("bad arguments and failed commands are tool errors with the bridge's words", async () => {
    const noUrl = await mcp.call("tab", { action: "open" });
    expect(noUrl.isError).toBe(true);
    expect(textOf(noUrl)).toContain("URL is required for open action");
    const outOfRange = await mcp.call("mouse_click", { count: 9 });
    expect(outOfRange.isError).toBe(true);
    expect(textOf(outOfRange)).toMatch(/count/);
    const noTab = await mcp.call("tab", { action: "switch", tab_id: 987654 });
    expect(noTab.isError).toBe(true);
    expect(textOf(noTab)).toContain("987654");
    const thrown = await mcp.call("evaluate", { expression: "throw new Error('boom')" });
    expect(thrown.isError).toBe(true);
    expect(textOf(thrown)).toContain("boom");
  });

  test("closing the client stops the server and the Chromium it launched", async () => {
    const kids = childrenOf(mcp.pid);
    expect(kids.length).toBeGreaterThan(0); // the browser
    await mcp.close();
    expect(alive(mcp.pid)).toBe(false);
    expect(kids.filter(alive)).toEqual([]);
    expect(mcp.stderr()).toContain("started a bridge at http://127.0.0.1:");
  });
});

describe("chrome-bridge mcp --url (a running bridge)", { timeout: BUDGET }, () => {
  test("tools answer through the bridge's REST API, its refusals as tool errors", async () => {
    const bridge = await startTestBridge({ token: "sesame" });
    const mcp = await startMcpSession(["--url", bridge.addresses.url, "--token", "sesame"]);
    try {
      expect((await mcp.client.listTools()).tools.length).toBe(COMMAND_TYPES.length);
      const r = await mcp.call("get_tabs"); // no executor connected: 503
      expect(r.isError).toBe(true);
      expect(textOf(r)).toContain("HTTP 503");
    } finally {
      await mcp.close();
    }
    const wrong = await startMcpSession(["--url", bridge.addresses.url, "--token", "wrong"]);
    try {
      expect(textOf(await wrong.call("get_tabs"))).toContain("HTTP 401");
    } finally {
      await wrong.close();
    }
  });

  test("an unreachable bridge is named in each tool error, and the server keeps serving", async () => {
    const gone = createServer();
    const { url } = await listen(gone, { host: "127.0.0.1", port: 0 });
    await closeHttpServer(gone); // a port nothing listens on
    const mcp = await startMcpSession(["--url", url]);
    try {
      const r = await mcp.call("get_tabs");
      expect(r.isError).toBe(true);
      expect(textOf(r)).toContain(`cannot reach ${url}: connection refused`);
      expect((await mcp.call("get_tabs")).isError).toBe(true);
    } finally {
      await mcp.close();
    }
  });
});

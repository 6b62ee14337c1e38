import type {
  BridgeCommand,
  KeyboardPressCommand,
  KeyboardTypeCommand,
  MouseClickCommand,
  MouseMoveCommand,
  MouseScrollCommand,
  ScreenshotCommand,
  TabCommand,
} from "../../protocol/commands.js";
import { CommandExecutionError } from "../../protocol/errors.js";
import type { ScreenshotData, TabsData } from "../../protocol/rest.js";
import { nowSeconds } from "../../protocol/time.js";
import type { CommandExecutor, CommandResult } from "../executor.js";
import { hideCursor, showCursor } from "./cursor-overlay.js";
import { imageSize } from "./image-size.js";
import { pressKey } from "./key-press.js";
import { keyDefinition } from "./keys.js";
import { interpolate, MouseState } from "./mouse-state.js";
import type { CdpSession, TabHost } from "./tab-host.js";

const BUTTON_BITS = { left: 1, right: 2, middle: 4 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Executes every bridge command with the CDP recipes validated in headless Chromium
 * (chrome-bridge.md section 6.4): tracked pointer with interpolated moves, real click counts,
 * wheel events at the pointer, Input.insertText typing, correct modifier bits,
 * Page.captureScreenshot. Browser specifics live behind `TabHost`.
 */
export class CdpCommandExecutor implements CommandExecutor {
  readonly host: TabHost;
  readonly mouse = new MouseState();
  /** The active tab `queueKey` resolved for a command without `tab_id`: `execute` takes it instead of asking again. */
  readonly #activeTab = new WeakMap<BridgeCommand, number>();

  constructor(host: TabHost) {
    this.host = host;
  }

  async queueKey(c: BridgeCommand): Promise<string> {
    if (c.type === "get_tabs" || (c.type === "tab" && c.action !== "close")) return "browser";
    if (c.tab_id !== undefined) return `tab:${c.tab_id}`;
    const id = await this.host.activeTabId();
    this.#activeTab.set(c, id);
    return `tab:${id}`;
  }

  async execute(c: BridgeCommand): Promise<CommandResult> {
    switch (c.type) {
      case "mouse_move":
        return this.#move(c);
      case "mouse_click":
        return this.#click(c);
      case "mouse_scroll":
        return this.#scroll(c);
      case "keyboard_type":
        return this.#type(c);
      case "keyboard_press":
        return this.#press(c);
      case "screenshot":
        return this.#screenshot(c);
      case "tab":
        return this.#tab(c);
      case "get_tabs":
        return this.#list();
      default:
        throw new CommandExecutionError(`Unknown command type: ${(c as { type: string }).type}`);
    }
  }

  /** The command's tab (`tab_id`, else the active tab: the one its queue key named) and its CDP session. */
  async #target(c: BridgeCommand): Promise<{ tabId: number; session: CdpSession }> {
    const id = c.tab_id ?? this.#activeTab.get(c) ?? (await this.host.activeTabId());
    this.#activeTab.delete(c);
    return { tabId: id, session: await this.host.session(id) };
  }

  async #viewport(session: CdpSession): Promise<{ width: number; height: number }> {
    const m = await session.send<{ cssLayoutViewport: { clientWidth: number; clientHeight: number } }>(
      "Page.getLayoutMetrics",
    );
    return { width: m.cssLayoutViewport.clientWidth, height: m.cssLayoutViewport.clientHeight };
  }

  async #move(c: MouseMoveCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const from = this.mouse.get(tabId);
    const vp = await this.#viewport(session);
    const wantX = from.x + c.dx;
    const wantY = from.y + c.dy;
    const to = { x: clamp(wantX, 0, vp.width - 1), y: clamp(wantY, 0, vp.height - 1) };
    const points = interpolate(from, to, c.duration * 1000);
    const pause = (c.duration * 1000) / points.length;
    for (const [i, p] of points.entries()) {
      if (i > 0) await sleep(pause);
      await session.send("Input.dispatchMouseEvent", {
        type: "mouseMoved",
        x: p.x,
        y: p.y,
        button: "none",
        buttons: 0,
      });
    }
    this.mouse.set(tabId, to.x, to.y);
    return {
      message: `Mouse moved by (${c.dx}, ${c.dy}) pixels`,
      data: {
        dx: c.dx,
        dy: c.dy,
        duration: c.duration,
        tab_id: tabId,
        position: to,
        bounded: to.x !== wantX || to.y !== wantY,
      },
    };
  }

  async #click(c: MouseClickCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const { x, y } = this.mouse.get(tabId);
    const bit = BUTTON_BITS[c.button];
    for (let n = 1; n <= c.count; n++) {
      await session.send("Input.dispatchMouseEvent", {
        type: "mousePressed",
        x,
        y,
        button: c.button,
        buttons: bit,
        clickCount: n,
      });
      await session.send("Input.dispatchMouseEvent", {
        type: "mouseReleased",
        x,
        y,
        button: c.button,
        buttons: 0,
        clickCount: n,
      });
    }
    return {
      message: `Mouse clicked with ${c.button} button`,
      data: { button: c.button, count: c.count, tab_id: tabId, position: { x, y } },
    };
  }

  async #scroll(c: MouseScrollCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const { x, y } = this.mouse.get(tabId);
    const sign = c.direction === "up" || c.direction === "left" ? -1 : 1;
    const vertical = c.direction === "up" || c.direction === "down";
    await session.send("Input.dispatchMouseEvent", {
      type: "mouseWheel",
      x,
      y,
      deltaX: vertical ? 0 : sign * c.amount,
      deltaY: vertical ? sign * c.amount : 0,
    });
    return {
      message: `Scrolled ${c.direction} by ${c.amount} pixels`,
      data: { direction: c.direction, amount: c.amount, tab_id: tabId },
    };
  }

  async #type(c: KeyboardTypeCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    // insertText handles any Unicode (emoji included); per-key events did not type at all upstream.
    if (c.text) await session.send("Input.insertText", { text: c.text });
    return { message: `Typed: ${c.text}`, data: { text: c.text, length: [...c.text].length, tab_id: tabId } };
  }

  async #press(c: KeyboardPressCommand): Promise<CommandResult> {
    const def = keyDefinition(c.key);
    if (!def) throw new CommandExecutionError(`Unknown key: ${c.key}`);
    const { tabId, session } = await this.#target(c);
    await pressKey(session, def, c.modifiers);
    const withMods = c.modifiers.length ? ` with modifiers ${c.modifiers.join(",")}` : "";
    return { message: `Pressed ${c.key}${withMods}`, data: { key: c.key, modifiers: c.modifiers, tab_id: tabId } };
  }

  async #screenshot(c: ScreenshotCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const cursor = this.mouse.get(tabId);
    const drawn = c.include_cursor && (await showCursor(session, cursor.x, cursor.y));
    let r: { data: string };
    try {
      r = await session.send<{ data: string }>("Page.captureScreenshot", {
        format: c.format,
        ...(c.format === "jpeg" ? { quality: c.quality } : {}),
      });
    } finally {
      if (drawn) await hideCursor(session);
    }
    const { width, height } = imageSize(r.data);
    const data: ScreenshotData = {
      imageData: `data:image/${c.format};base64,${r.data}`,
      format: c.format,
      width,
      height,
      quality: c.quality,
      includeCursor: drawn,
      tab_id: tabId,
      timestamp: nowSeconds(),
      cursor,
    };
    return { message: "Screenshot captured", data: { ...data } };
  }

  async #tab(c: TabCommand): Promise<CommandResult> {
    switch (c.action) {
      case "open": {
        const tab = await this.host.openTab(c.url as string);
        return { message: "Tab opened successfully", data: { tabId: tab.id, url: tab.url, title: tab.title } };
      }
      case "close": {
        const id = c.tab_id as number;
        await this.host.closeTab(id);
        this.mouse.forget(id);
        return { message: "Tab closed successfully", data: { tabId: id } };
      }
      case "switch": {
        const id = c.tab_id as number;
        await this.host.activateTab(id);
        return { message: `Switched to tab ${id}`, data: { tabId: id, active: true } };
      }
      case "list":
        return this.#list();
      default:
        throw new CommandExecutionError(`Unknown tab action: ${String((c as { action: unknown }).action)}`);
    }
  }

  async #list(): Promise<CommandResult> {
    const tabs = await this.host.listTabs();
    const data: TabsData = { tabs, count: tabs.length };
    return { message: `Found ${tabs.length} tabs`, data: { ...data } };
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), Math.max(lo, hi));
}

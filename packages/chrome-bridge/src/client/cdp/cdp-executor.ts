import type {
  BridgeCommand,
  ConsoleCommand,
  DialogCommand,
  FillCommand,
  SnapshotCommand,
  WaitForCommand,
  EvaluateCommand,
  HistoryCommand,
  NavigateCommand,
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
import {
  filledValueScript,
  focusScript,
  prepareFillScript,
  revealScript,
  snapshotScript,
  waitScript,
} from "./page-scripts.js";
import type { CdpSession, TabHost } from "./tab-host.js";

const BUTTON_BITS = { left: 1, right: 2, middle: 4 } as const;

/** What happens to a JavaScript dialog (alert/confirm/prompt/beforeunload) the moment it opens. */
export type DialogPolicy = "dismiss" | "accept" | "leave";

export interface CdpExecutorOptions {
  /** Default "dismiss": a dialog never blocks the tab. "leave" keeps it open for the `dialog` command. */
  dialogs?: DialogPolicy;
}

/** A JavaScript dialog as commands and events report it. */
export interface DialogInfo {
  tab_id: number;
  type: string;
  message: string;
  default_prompt: string;
  url: string;
  /** What was done with it: "accepted", "dismissed" or "left open". */
  action: "accepted" | "dismissed" | "left open";
}

/** A console message or uncaught page error, as the `console` command reports it. */
export interface ConsoleEntry {
  /** console.log's "log", "warning", "error", ...; "error" for an uncaught exception. */
  level: string;
  kind: "console" | "pageerror";
  text: string;
  /** Seconds since the epoch. */
  timestamp: number;
  url?: string;
}

/** Messages kept per tab, and tabs kept (least recently logging forgotten first). */
const CONSOLE_LIMIT = 500;
const CONSOLE_TABS = 100;
/** An evaluate result larger than this (characters of JSON) is refused rather than sent. */
const MAX_EVALUATE_RESULT_CHARS = 8 * 1024 * 1024;
/** Full-page screenshots are cut at this height (CSS pixels). */
const MAX_FULL_PAGE_HEIGHT = 16_384;
/** The page's JavaScript context went away (a navigation) while waiting: try again in the new one. */
const CONTEXT_GONE = /context was destroyed|Cannot find (default execution )?context|Inspected target navigated/i;

interface RemoteObject {
  type?: string;
  subtype?: string;
  value?: unknown;
  unserializableValue?: string;
  description?: string;
  preview?: {
    subtype?: string;
    overflow?: boolean;
    properties?: Array<{ name: string; type: string; value?: string }>;
  };
}

/** A console argument as text: primitives as they print, objects and arrays from their preview. */
function remoteText(o: RemoteObject): string {
  if (o.type === "string") return String(o.value);
  if (o.unserializableValue) return o.unserializableValue;
  if (o.value !== undefined) return JSON.stringify(o.value);
  const p = o.preview;
  if (p?.properties && (o.type === "object" || o.type === "function") && !o.subtype?.match(/error|node/)) {
    const v = (x: { type: string; value?: string }) =>
      x.type === "string" ? JSON.stringify(x.value) : (x.value ?? x.type);
    const more = p.overflow ? ", \u2026" : "";
    if (p.subtype === "array") return `[${p.properties.map(v).join(", ")}${more}]`;
    return `{${p.properties.map((x) => `${x.name}: ${v(x)}`).join(", ")}${more}}`;
  }
  return o.description ?? o.type ?? "";
}

/** Commands that do not run in a tab's page (a dialog left open does not block them). */
const OUTSIDE_PAGE = new Set(["get_tabs", "tab", "dialog"]);
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
  /** What happens to a dialog when it opens; may be changed at any time. */
  dialogPolicy: DialogPolicy;
  /** Dialogs left open, per tab. */
  readonly #openDialogs = new Map<number, DialogInfo>();
  /** Commands running, per tab: each collects the dialogs that open meanwhile. */
  readonly #watchers = new Map<number, Set<(d: DialogInfo) => void>>();
  readonly #eventListeners: Array<(event: string, data: Record<string, unknown>) => void> = [];
  /** Waiters for a tab's CDP events (loads, navigations). */
  readonly #pageWaiters = new Set<{ tabId: number; seen: (method: string, params: any) => void }>();
  /** Recent console messages and page errors, per tab. */
  readonly #console = new Map<number, ConsoleEntry[]>();

  constructor(host: TabHost, options: CdpExecutorOptions = {}) {
    this.host = host;
    this.dialogPolicy = options.dialogs ?? "dismiss";
    host.onEvent((tabId, method, params) => {
      if (method === "Page.javascriptDialogOpening") void this.#dialogOpened(tabId, params);
      else if (method === "Page.javascriptDialogClosed") this.#openDialogs.delete(tabId);
      else if (method === "Runtime.consoleAPICalled") this.#logged(tabId, consoleEntry(params));
      else if (method === "Runtime.exceptionThrown") this.#logged(tabId, pageError(params));
      // Every CDP event of every tab passes here: copy the waiters only when some wait.
      if (this.#pageWaiters.size === 0) return;
      for (const w of [...this.#pageWaiters]) if (w.tabId === tabId) w.seen(method, params);
    });
  }

  /** Events for the server (`dialog_opened`), as `{event, data}`. */
  onEvent(listener: (event: string, data: Record<string, unknown>) => void): void {
    this.#eventListeners.push(listener);
  }

  #logged(tabId: number, entry: ConsoleEntry): void {
    let list = this.#console.get(tabId);
    if (list) this.#console.delete(tabId);
    else list = [];
    this.#console.set(tabId, list); // re-inserted: Map order is least recently logging first
    if (this.#console.size > CONSOLE_TABS) this.#console.delete(this.#console.keys().next().value as number);
    // A re-attached debugger replays the messages it has: keep each once.
    if (list.some((e) => e.timestamp === entry.timestamp && e.text === entry.text && e.level === entry.level)) return;
    list.push(entry);
    if (list.length > CONSOLE_LIMIT) list.splice(0, list.length - CONSOLE_LIMIT);
  }

  async #dialogOpened(tabId: number, p: any): Promise<void> {
    const policy = this.dialogPolicy;
    const info: DialogInfo = {
      tab_id: tabId,
      type: String(p.type ?? "alert"),
      message: String(p.message ?? ""),
      default_prompt: String(p.defaultPrompt ?? ""),
      url: String(p.url ?? ""),
      action: policy === "accept" ? "accepted" : policy === "dismiss" ? "dismissed" : "left open",
    };
    if (policy === "leave") this.#openDialogs.set(tabId, info);
    for (const w of this.#watchers.get(tabId) ?? []) w(info);
    for (const l of this.#eventListeners) l("dialog_opened", { ...info });
    if (policy === "leave") return;
    try {
      const session = await this.host.session(tabId);
      await session.send("Page.handleJavaScriptDialog", { accept: policy === "accept" });
    } catch {
      // The tab went away with its dialog.
    }
  }

  /** A string at once when the command names its queue (no await per command); else the active tab's. */
  queueKey(c: BridgeCommand): string | Promise<string> {
    if (c.type === "get_tabs" || (c.type === "tab" && c.action !== "close")) return "browser";
    if (c.tab_id !== undefined) return `tab:${c.tab_id}`;
    return this.host.activeTabId().then((id) => {
      this.#activeTab.set(c, id);
      return `tab:${id}`;
    });
  }

  async execute(c: BridgeCommand): Promise<CommandResult> {
    if (OUTSIDE_PAGE.has(c.type)) return this.#run(c);
    const tabId = c.tab_id ?? this.#activeTab.get(c) ?? (await this.host.activeTabId());
    this.#activeTab.set(c, tabId);
    const open = this.#openDialogs.get(tabId);
    if (open) {
      this.#activeTab.delete(c);
      throw new CommandExecutionError(
        `A JavaScript ${open.type} dialog is open on tab ${tabId} (${JSON.stringify(open.message)}): answer it with the dialog command (action accept or dismiss)`,
      );
    }
    // Dialogs that open while the command runs are reported in its answer; one left open ends the wait
    // (the page is blocked until it is answered).
    const seen: DialogInfo[] = [];
    let leftOpen: (d: DialogInfo) => void = () => {};
    const blocked = new Promise<DialogInfo>((r) => {
      leftOpen = r;
    });
    const watch = (d: DialogInfo) => {
      seen.push(d);
      if (d.action === "left open") leftOpen(d);
    };
    const set = this.#watchers.get(tabId) ?? new Set();
    this.#watchers.set(tabId, set);
    set.add(watch);
    try {
      const work = this.#run(c);
      const r = await Promise.race([work, blocked.then((d) => ({ dialog: d }))]);
      if ("dialog" in r) {
        work.catch(() => {});
        return {
          message: `A JavaScript ${r.dialog.type} dialog opened and was left open: answer it with the dialog command`,
          data: { tab_id: tabId, dialogs: seen },
        };
      }
      return seen.length ? { message: r.message, data: { ...r.data, dialogs: seen } } : r;
    } finally {
      set.delete(watch);
      if (set.size === 0) this.#watchers.delete(tabId);
    }
  }

  async #run(c: BridgeCommand): Promise<CommandResult> {
    switch (c.type) {
      case "navigate":
        return this.#navigate(c);
      case "go_back":
      case "go_forward":
      case "reload":
        return this.#history(c);
      case "evaluate":
        return this.#evaluate(c);
      case "dialog":
        return this.#dialog(c);
      case "wait_for":
        return this.#waitFor(c);
      case "snapshot":
        return this.#snapshot(c);
      case "fill":
        return this.#fill(c);
      case "console":
        return this.#consoleMessages(c);
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

  /** Runs page-side JavaScript; its exception is the command's error (first line, without "Error: "). */
  async #pageValue<T>(session: CdpSession, expression: string, awaitPromise = false): Promise<T> {
    const r = await session.send<{
      result: { value?: unknown };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    }>("Runtime.evaluate", { expression, returnByValue: true, awaitPromise });
    if (r.exceptionDetails) {
      const d = r.exceptionDetails.exception?.description ?? r.exceptionDetails.text;
      throw new CommandExecutionError((d.split("\n")[0] as string).replace(/^(Uncaught )?Error: /, ""));
    }
    return r.result.value as T;
  }

  /** Moves the pointer onto the element's centre (scrolled into view first); its ref, and what covers it if anything. */
  async #pointAt(
    tabId: number,
    session: CdpSession,
    c: { ref?: string; selector?: string },
  ): Promise<{ ref: string; covered_by?: string }> {
    const at = await this.#pageValue<{ x: number; y: number; ref: string; covered_by?: string }>(
      session,
      revealScript(c.ref, c.selector),
    );
    await session.send("Input.dispatchMouseEvent", {
      type: "mouseMoved",
      x: at.x,
      y: at.y,
      button: "none",
      buttons: 0,
    });
    this.mouse.set(tabId, at.x, at.y);
    return at.covered_by ? { ref: at.ref, covered_by: at.covered_by } : { ref: at.ref };
  }

  async #click(c: MouseClickCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const target = c.ref || c.selector ? await this.#pointAt(tabId, session, c) : undefined;
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
      data: { button: c.button, count: c.count, tab_id: tabId, position: { x, y }, ...target },
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
    const ref =
      c.ref || c.selector ? await this.#pageValue<string>(session, focusScript(c.ref, c.selector)) : undefined;
    // insertText handles any Unicode (emoji included); per-key events did not type at all upstream.
    if (c.text) await session.send("Input.insertText", { text: c.text });
    return {
      message: `Typed: ${c.text}`,
      data: { text: c.text, length: [...c.text].length, tab_id: tabId, ...(ref ? { ref } : {}) },
    };
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
    const area = await this.#screenshotArea(session, c);
    const drawn = !area && c.include_cursor && (await showCursor(session, cursor.x, cursor.y));
    let r: { data: string };
    try {
      r = await session.send<{ data: string }>("Page.captureScreenshot", {
        format: c.format,
        ...(c.format === "jpeg" ? { quality: c.quality } : {}),
        ...(area ? { clip: area.clip, captureBeyondViewport: true } : {}),
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
    return { message: "Screenshot captured", data: { ...data, ...area?.report } };
  }

  /** The page area of a full-page or element screenshot (none: the viewport). */
  async #screenshotArea(
    session: CdpSession,
    c: ScreenshotCommand,
  ): Promise<
    { clip: Record<string, number>; report: { full_page: true; truncated: boolean } | { ref: string } } | undefined
  > {
    if (c.full_page) {
      const m = await session.send<{
        cssContentSize?: { width: number; height: number };
        contentSize: { width: number; height: number };
      }>("Page.getLayoutMetrics");
      const size = m.cssContentSize ?? m.contentSize;
      const height = Math.min(Math.ceil(size.height), MAX_FULL_PAGE_HEIGHT);
      return {
        clip: { x: 0, y: 0, width: Math.ceil(size.width), height, scale: 1 },
        report: { full_page: true, truncated: height < Math.ceil(size.height) },
      };
    }
    if (!c.ref && !c.selector) return undefined;
    const at = await this.#pageValue<{ box: { x: number; y: number; width: number; height: number }; ref: string }>(
      session,
      revealScript(c.ref, c.selector),
    );
    return { clip: { ...at.box, scale: 1 }, report: { ref: at.ref } };
  }

  async #snapshot(c: SnapshotCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const snap = await this.#pageValue<{ elements: unknown[] }>(session, snapshotScript(c.max_text, c.max_elements));
    return { message: `Snapshot: ${snap.elements.length} interactive elements`, data: { tab_id: tabId, ...snap } };
  }

  async #fill(c: FillCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const prep = await this.#pageValue<{ kind: "select" | "text"; ref: string }>(
      session,
      prepareFillScript(c.ref, c.selector, c.value),
    );
    // Typed as text replacing the selection: the page sees input events as from a user.
    if (prep.kind === "text" && c.value !== "") await session.send("Input.insertText", { text: c.value });
    const value = await this.#pageValue<string>(session, filledValueScript(prep.ref));
    return { message: `Filled ${prep.ref}`, data: { tab_id: tabId, ref: prep.ref, value } };
  }

  async #waitFor(c: WaitForCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const started = Date.now();
    const deadline = started + c.timeout * 1000;
    const what = c.selector
      ? `${c.selector} ${c.state}`
      : c.text
        ? `text ${JSON.stringify(c.text)}`
        : c.url
          ? `a page at ${JSON.stringify(c.url)}`
          : "a navigation";
    const done = async (): Promise<CommandResult> => {
      const page = await this.#pageValue<{ url: string; title: string }>(
        session,
        "({url: location.href, title: document.title})",
      );
      const elapsed = (Date.now() - started) / 1000;
      return { message: `Waited for ${what}`, data: { tab_id: tabId, elapsed, ...page } };
    };
    if (c.navigation && !c.url) {
      const mainFrame = await this.#mainFrameId(session);
      const w = this.#pageEvent(
        tabId,
        (method, p) =>
          method === "Page.loadEventFired" ||
          (method === "Page.frameNavigated" && !p.frame?.parentId && p.type === "BackForwardCacheRestore") ||
          (method === "Page.navigatedWithinDocument" && p.frameId === mainFrame),
        c.timeout * 1000,
      );
      if (await w.done) return done();
      throw new CommandExecutionError(`wait_for: no navigation within ${c.timeout} s`);
    }
    const spec = c.url
      ? { url: c.url }
      : c.selector
        ? { selector: c.selector, state: c.state }
        : { text: c.text as string };
    for (let left = deadline - Date.now(); left > 0; left = deadline - Date.now()) {
      try {
        if (await this.#pageValue<boolean>(session, waitScript(spec, left), true)) return await done();
        break;
      } catch (e) {
        if (!CONTEXT_GONE.test((e as Error).message)) throw e;
        await sleep(100); // a navigation replaced the page: wait in the new one
      }
    }
    throw new CommandExecutionError(`wait_for: ${what} not reached within ${c.timeout} s`);
  }

  async #consoleMessages(c: ConsoleCommand): Promise<CommandResult> {
    const { tabId } = await this.#target(c); // attached, so listening, from now on
    const list = this.#console.get(tabId) ?? [];
    const messages = list.slice(-c.limit);
    if (c.clear) list.splice(list.length - messages.length, messages.length);
    return {
      message: `${messages.length} console messages`,
      data: { tab_id: tabId, messages, total: list.length + (c.clear ? messages.length : 0) },
    };
  }

  /** Resolves on the tab's first CDP event that `match` accepts, or after `ms` (then `false`). */
  #pageEvent(
    tabId: number,
    match: (method: string, params: any) => boolean,
    ms: number,
  ): { done: Promise<boolean>; cancel: () => void } {
    let cancel = () => {};
    const done = new Promise<boolean>((resolve) => {
      const w = {
        tabId,
        seen: (method: string, params: any) => {
          if (!match(method, params)) return;
          cancel();
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        cancel();
        resolve(false);
      }, ms);
      cancel = () => {
        clearTimeout(timer);
        this.#pageWaiters.delete(w);
      };
      this.#pageWaiters.add(w);
    });
    return { done, cancel };
  }

  /**
   * Runs `start` (which begins a navigation) and waits for the page to reach `waitUntil`. A navigation that
   * fails (unreachable host, bad scheme) is an error naming CDP's reason.
   */
  async #loadAfter(
    tabId: number,
    session: CdpSession,
    what: string,
    waitUntil: "load" | "domcontentloaded" | "none",
    timeoutS: number,
    start: () => Promise<{ errorText?: string; loaderId?: string } | undefined>,
    named = false,
  ): Promise<{ url: string; title: string; loaded: boolean }> {
    const event = waitUntil === "domcontentloaded" ? "Page.domContentEventFired" : "Page.loadEventFired";
    const mainFrame = await this.#mainFrameId(session);
    // Page.navigate names its document (loaderId): only a load event after that document committed counts, so
    // the late load event of an earlier navigation (the page's own, or another client's) is not taken for it.
    // Events may be handled before the answer to Page.navigate is (several arrive in one read): loads are
    // recorded by the document last committed, and checked once the answer names ours. History steps and
    // reloads (`named` false) name no document: their first load event counts.
    let committed: string | undefined;
    const loadedDocs = new Set<string>();
    let loader: string | undefined;
    const arrived = (method: string, p: any) => {
      if (method === "Page.frameNavigated" && !p.frame?.parentId) {
        committed = p.frame?.loaderId;
        return p.type === "BackForwardCacheRestore"; // restored from the back/forward cache: no load event
      }
      if (method === "Page.navigatedWithinDocument") return p.frameId === mainFrame; // same document: no load event
      if (method !== event) return false;
      if (!named) return true;
      if (committed) loadedDocs.add(committed);
      return loader !== undefined && committed === loader;
    };
    const wait = waitUntil === "none" ? undefined : this.#pageEvent(tabId, arrived, timeoutS * 1000);
    let loaded = waitUntil === "none";
    try {
      const r = await start();
      if (r?.errorText) throw new CommandExecutionError(`Navigation to ${what} failed: ${r.errorText}`);
      loader = r?.loaderId || undefined;
      if (named && loader === undefined) named = false; // a same-document navigation: no document named
      if (wait) loaded = (loader !== undefined && loadedDocs.has(loader)) || (await wait.done);
    } finally {
      wait?.cancel();
    }
    if (wait && !loaded)
      throw new CommandExecutionError(`Navigation to ${what}: no ${waitUntil} event within ${timeoutS} s`);
    const page = await session.send<{ result: { value: { url: string; title: string } } }>("Runtime.evaluate", {
      expression: "({url: location.href, title: document.title})",
      returnByValue: true,
    });
    return { ...page.result.value, loaded };
  }

  async #mainFrameId(session: CdpSession): Promise<string | undefined> {
    const t = await session.send<{ frameTree: { frame: { id: string } } }>("Page.getFrameTree").catch(() => undefined);
    return t?.frameTree.frame.id;
  }

  async #navigate(c: NavigateCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const r = await this.#loadAfter(
      tabId,
      session,
      c.url,
      c.wait_until,
      c.timeout,
      () => session.send("Page.navigate", { url: c.url }),
      true,
    );
    return { message: `Navigated to ${r.url}`, data: { tab_id: tabId, url: r.url, title: r.title } };
  }

  async #history(c: HistoryCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const r = await this.#loadAfter(tabId, session, c.type, c.wait_until, c.timeout, async () => {
      if (c.type === "reload") {
        await session.send("Page.reload", {});
        return undefined;
      }
      const h = await session.send<{ currentIndex: number; entries: Array<{ id: number; url: string }> }>(
        "Page.getNavigationHistory",
      );
      const entry = h.entries[h.currentIndex + (c.type === "go_back" ? -1 : 1)];
      if (!entry) throw new CommandExecutionError(`Cannot ${c.type.replace("_", " ")}: no history entry`);
      await session.send("Page.navigateToHistoryEntry", { entryId: entry.id });
      return undefined;
    });
    const verb = c.type === "reload" ? "Reloaded" : c.type === "go_back" ? "Went back to" : "Went forward to";
    return { message: `${verb} ${r.url}`, data: { tab_id: tabId, url: r.url, title: r.title } };
  }

  async #evaluate(c: EvaluateCommand): Promise<CommandResult> {
    const { tabId, session } = await this.#target(c);
    const expression = c.function ? `(async () => {\n${c.expression}\n})()` : c.expression;
    const r = await session.send<{
      result: { type: string; value?: unknown; unserializableValue?: string; description?: string };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    }>("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
      userGesture: true,
      timeout: c.timeout * 1000,
    });
    if (r.exceptionDetails) {
      const d = r.exceptionDetails.exception?.description ?? r.exceptionDetails.text;
      throw new CommandExecutionError(`Evaluation failed: ${d}`);
    }
    const value = r.result.unserializableValue ?? (r.result.type === "undefined" ? null : (r.result.value ?? null));
    // The answer travels in one WebSocket message, which the server bounds (32 MiB by default).
    const size = typeof value === "string" ? value.length : (JSON.stringify(value)?.length ?? 0);
    if (size > MAX_EVALUATE_RESULT_CHARS)
      throw new CommandExecutionError(
        `Evaluation result too large: ${size} characters of JSON (at most ${MAX_EVALUATE_RESULT_CHARS}); return less`,
      );
    return { message: "Evaluated", data: { tab_id: tabId, type: r.result.type, value } };
  }

  async #dialog(c: DialogCommand): Promise<CommandResult> {
    const tabId = c.tab_id ?? this.#activeTab.get(c) ?? (await this.host.activeTabId());
    this.#activeTab.delete(c);
    const open = this.#openDialogs.get(tabId);
    if (!open) throw new CommandExecutionError(`No JavaScript dialog is open on tab ${tabId}`);
    const session = await this.host.session(tabId);
    await session.send("Page.handleJavaScriptDialog", {
      accept: c.action === "accept",
      ...(c.prompt_text != null ? { promptText: c.prompt_text } : {}),
    });
    this.#openDialogs.delete(tabId);
    return {
      message: `Dialog ${c.action === "accept" ? "accepted" : "dismissed"}`,
      data: { tab_id: tabId, type: open.type, message: open.message, action: c.action },
    };
  }

  async #tab(c: TabCommand): Promise<CommandResult> {
    switch (c.action) {
      case "open": {
        // A blank tab first, then a navigation whose failure is reported (a tab showing an error page is
        // not a success).
        const tab = await this.host.openTab("about:blank");
        const session = await this.host.session(tab.id);
        const url = c.url as string;
        try {
          const r = await this.#loadAfter(
            tab.id,
            session,
            url,
            "load",
            15,
            () => session.send("Page.navigate", { url }),
            true,
          );
          return { message: "Tab opened successfully", data: { tabId: tab.id, url: r.url, title: r.title } };
        } catch (e) {
          if (!(e instanceof CommandExecutionError) || !/failed:/.test(e.message)) {
            // A page that never finishes loading still counts as opened.
            const info = (await this.host.listTabs()).find((t) => t.id === tab.id);
            if (info && !/failed:/.test((e as Error).message))
              return { message: "Tab opened successfully", data: { tabId: tab.id, url: info.url, title: info.title } };
          }
          throw new CommandExecutionError(`${(e as Error).message} (tab ${tab.id} shows the error page)`);
        }
      }
      case "close": {
        const id = c.tab_id as number;
        if (this.#openDialogs.has(id)) {
          const s = await this.host.session(id).catch(() => undefined);
          await s?.send("Page.handleJavaScriptDialog", { accept: false }).catch(() => {});
          this.#openDialogs.delete(id);
        }
        await this.host.closeTab(id);
        this.mouse.forget(id);
        this.#console.delete(id);
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

function consoleEntry(p: any): ConsoleEntry {
  const frame = p.stackTrace?.callFrames?.[0];
  const text = ((p.args ?? []) as any[]).map(remoteText).join(" ");
  return {
    level: String(p.type ?? "log"),
    kind: "console",
    text: text.length > 4000 ? `${text.slice(0, 3999)}\u2026` : text,
    timestamp: typeof p.timestamp === "number" ? p.timestamp / 1000 : nowSeconds(),
    ...(frame?.url ? { url: String(frame.url) } : {}),
  };
}

function pageError(p: any): ConsoleEntry {
  const d = p.exceptionDetails ?? {};
  const text = String(d.exception?.description ?? d.text ?? "Uncaught exception");
  return {
    level: "error",
    kind: "pageerror",
    text: text.length > 4000 ? `${text.slice(0, 3999)}\u2026` : text,
    timestamp: typeof p.timestamp === "number" ? p.timestamp / 1000 : nowSeconds(),
    ...(d.url ? { url: String(d.url) } : {}),
  };
}

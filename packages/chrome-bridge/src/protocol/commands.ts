import { z } from "zod";

/**
 * Command schemas (chrome-bridge.md section 3, with DECISIONS 7-10): upstream's ranges and
 * defaults, `tab_id` optional on every command, quality default 85, JPEG or PNG screenshots.
 * Unknown fields are ignored (as pydantic did); `null` means "absent" (upstream sends nulls).
 */

const tabId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const base = {
  command_id: z.string().min(1).max(128).nullish(),
  timestamp: z.number().nullish(),
  tab_id: tabId.nullish(),
};

export const MODIFIER_ALIASES: Readonly<Record<string, "Alt" | "Control" | "Meta" | "Shift">> = {
  alt: "Alt",
  option: "Alt",
  control: "Control",
  ctrl: "Control",
  meta: "Meta",
  command: "Meta",
  cmd: "Meta",
  shift: "Shift",
};
export type Modifier = "Alt" | "Control" | "Meta" | "Shift";

const modifier = z.string().refine((m) => m.toLowerCase() in MODIFIER_ALIASES, {
  message: "must be one of Control (Ctrl), Shift, Alt (Option), Meta (Command, Cmd)",
});

/** Control characters are stripped from typed text, as upstream did (tab, LF and CR stay). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
const CONTROL_CHARS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** An element named by a `ref` from `snapshot` or by a CSS `selector` (additions; never both). */
const elementTarget = {
  ref: z
    .string()
    .regex(/^e\d{1,9}$/, "must be a ref from snapshot, like e12")
    .nullish(),
  selector: z.string().min(1).max(2000).nullish(),
};
const notBoth = (c: { ref?: string | null; selector?: string | null }) => !(c.ref && c.selector);
const NOT_BOTH = { message: "give ref or selector, not both", path: ["selector"] };

export const mouseMoveSchema = z.object({
  ...base,
  type: z.literal("mouse_move"),
  dx: z.number().int().min(-5000).max(5000),
  dy: z.number().int().min(-5000).max(5000),
  duration: z.number().gt(0).max(5).default(0.1),
});

export const mouseClickSchema = z
  .object({
    ...base,
    type: z.literal("mouse_click"),
    button: z.enum(["left", "right", "middle"]).default("left"),
    double: z.boolean().default(false),
    count: z.number().int().min(1).max(3).nullish(),
    /** Click the centre of this element (scrolled into view) instead of at the pointer; the pointer moves there. */
    ...elementTarget,
  })
  .refine(notBoth, NOT_BOTH)
  // `count` wins when given, else `double` means 2 (upstream's default count=1 hid `double`).
  .transform(({ count, ...c }) => ({ ...c, count: count ?? (c.double ? 2 : 1) }));

export const mouseScrollSchema = z.object({
  ...base,
  type: z.literal("mouse_scroll"),
  direction: z.enum(["up", "down", "left", "right"]).default("down"),
  amount: z.number().int().min(1).max(1000).default(100),
});

export const keyboardTypeSchema = z
  .object({
    ...base,
    type: z.literal("keyboard_type"),
    text: z
      .string()
      .max(1000)
      .transform((t) => t.replace(CONTROL_CHARS, "")),
    /** Focus this element first (caret at the end of its text); default: the focused element. */
    ...elementTarget,
  })
  .refine(notBoth, NOT_BOTH);

export const keyboardPressSchema = z.object({
  ...base,
  type: z.literal("keyboard_press"),
  key: z.string().min(1).max(50),
  modifiers: z.array(modifier).max(4).default([]),
});

export const screenshotSchema = z
  .object({
    ...base,
    type: z.literal("screenshot"),
    include_cursor: z.boolean().default(true),
    quality: z.number().int().min(1).max(100).default(85),
    format: z.enum(["jpeg", "png"]).default("jpeg"),
    /** The whole page, beyond the viewport (no pointer drawn). */
    full_page: z.boolean().nullish(),
    /** Only this element (scrolled into view; no pointer drawn). */
    ...elementTarget,
  })
  .refine(notBoth, NOT_BOTH)
  .refine((c) => !(c.full_page && (c.ref || c.selector)), {
    message: "full_page and an element (ref or selector) exclude each other",
    path: ["full_page"],
  });

export const tabSchema = z
  .object({
    ...base,
    type: z.literal("tab"),
    action: z.enum(["open", "close", "switch", "list"]),
    url: z.string().min(1).max(8192).nullish(),
  })
  .superRefine((c, ctx) => {
    if (c.action === "open" && !c.url)
      ctx.addIssue({ code: "custom", path: ["url"], message: "URL is required for open action" });
    if ((c.action === "close" || c.action === "switch") && c.tab_id == null) {
      ctx.addIssue({ code: "custom", path: ["tab_id"], message: `tab_id is required for ${c.action} action` });
    }
  })
  .transform((c) => (c.url ? { ...c, url: withScheme(c.url) } : c));

/**
 * Only scheme-less URLs get a scheme (upstream also rewrote about:blank, file:, chrome: ...): `host:port/...`
 * (which URL parsing would read as the scheme `host:`) gets http://, anything else https://.
 */
export function withScheme(url: string): string {
  if (/^[^\s/:?#]+:\d+(?:[/?#]|$)/.test(url)) return `http://${url}`;
  return /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : `https://${url}`;
}

/** A command's own timeout, in seconds. */
const timeoutSeconds = z.number().gt(0).max(300).default(30);
const waitUntil = z.enum(["load", "domcontentloaded", "none"]).default("load");

/** Loads a URL in the tab (additions: upstream has no navigation commands). */
export const navigateSchema = z
  .object({
    ...base,
    type: z.literal("navigate"),
    url: z.string().min(1).max(8192),
    wait_until: waitUntil,
    /** Seconds. */
    timeout: timeoutSeconds,
  })
  .transform((c) => ({ ...c, url: withScheme(c.url) }));

const historySchema = <T extends "go_back" | "go_forward" | "reload">(type: T) =>
  z.object({
    ...base,
    type: z.literal(type),
    wait_until: waitUntil,
    timeout: timeoutSeconds,
  });
export const goBackSchema = historySchema("go_back");
export const goForwardSchema = historySchema("go_forward");
export const reloadSchema = historySchema("reload");

/** Runs JavaScript in the page: an expression, or a function body when `function` is true. */
export const evaluateSchema = z.object({
  ...base,
  type: z.literal("evaluate"),
  expression: z.string().min(1).max(100_000),
  /** Treat `expression` as a function body (`return ...`), run as an async function. */
  function: z.boolean().default(false),
  /** Seconds. */
  timeout: timeoutSeconds,
});

/** Waits for a selector (visible, attached or hidden), a text on the page, or a navigation. */
export const waitForSchema = z
  .object({
    ...base,
    type: z.literal("wait_for"),
    selector: z.string().min(1).max(2000).nullish(),
    state: z.enum(["visible", "attached", "hidden"]).default("visible"),
    /** Text present in the page's visible text. */
    text: z.string().min(1).max(2000).nullish(),
    /** A navigation: the next page load, or (with `url`) until the tab's URL contains `url` and it has loaded. */
    navigation: z.boolean().default(false),
    url: z.string().min(1).max(8192).nullish(),
    /** Seconds. */
    timeout: timeoutSeconds,
  })
  .refine((c) => [c.selector, c.text, c.navigation || c.url].filter(Boolean).length === 1, {
    message: "give exactly one of selector, text, navigation (or url)",
    path: ["selector"],
  });

/** The page's interactive elements (with refs for click, fill, type) and its visible text. */
export const snapshotSchema = z.object({
  ...base,
  type: z.literal("snapshot"),
  /** Characters of visible text at most (0: none). */
  max_text: z.number().int().min(0).max(200_000).default(4000),
  /** Elements at most. */
  max_elements: z.number().int().min(0).max(5000).default(300),
});

/** Replaces the value of a text field, text area, editable element or select (by ref or selector). */
export const fillSchema = z
  .object({
    ...base,
    type: z.literal("fill"),
    ...elementTarget,
    value: z.string().max(100_000),
  })
  .refine((c) => Boolean(c.ref) !== Boolean(c.selector), {
    message: "give ref or selector (one of them)",
    path: ["ref"],
  });

/** Recent console messages and uncaught page errors of the tab. */
export const consoleSchema = z.object({
  ...base,
  type: z.literal("console"),
  /** The most recent messages at most. */
  limit: z.number().int().min(1).max(1000).default(100),
  /** Forget the messages returned. */
  clear: z.boolean().default(false),
});

/** Answers the JavaScript dialog left open on the tab (`--dialogs leave`). */
export const dialogSchema = z.object({
  ...base,
  type: z.literal("dialog"),
  action: z.enum(["accept", "dismiss"]),
  prompt_text: z.string().max(10_000).nullish(),
});

export const getTabsSchema = z.object({ ...base, type: z.literal("get_tabs") });

export const commandSchemas = {
  mouse_move: mouseMoveSchema,
  mouse_click: mouseClickSchema,
  mouse_scroll: mouseScrollSchema,
  keyboard_type: keyboardTypeSchema,
  keyboard_press: keyboardPressSchema,
  screenshot: screenshotSchema,
  tab: tabSchema,
  get_tabs: getTabsSchema,
  navigate: navigateSchema,
  go_back: goBackSchema,
  go_forward: goForwardSchema,
  reload: reloadSchema,
  evaluate: evaluateSchema,
  dialog: dialogSchema,
  wait_for: waitForSchema,
  snapshot: snapshotSchema,
  fill: fillSchema,
  console: consoleSchema,
} as const;

export type CommandType = keyof typeof commandSchemas;
export const COMMAND_TYPES = Object.keys(commandSchemas) as CommandType[];

type Clean<T> = { [K in keyof T]: Exclude<T[K], null> };
/** A validated command with defaults applied; `tab_id`/`url` absent rather than null. */
export type CommandOf<K extends CommandType> = Clean<Omit<z.output<(typeof commandSchemas)[K]>, "timestamp">> & {
  command_id?: string;
  tab_id?: number;
};
export type MouseMoveCommand = CommandOf<"mouse_move">;
export type MouseClickCommand = CommandOf<"mouse_click">;
export type MouseScrollCommand = CommandOf<"mouse_scroll">;
export type KeyboardTypeCommand = CommandOf<"keyboard_type">;
export type KeyboardPressCommand = CommandOf<"keyboard_press">;
export type ScreenshotCommand = CommandOf<"screenshot">;
export type TabCommand = CommandOf<"tab"> & { url?: string };
export type GetTabsCommand = CommandOf<"get_tabs">;
export type NavigateCommand = CommandOf<"navigate">;
export type HistoryCommand = CommandOf<"go_back"> | CommandOf<"go_forward"> | CommandOf<"reload">;
export type EvaluateCommand = CommandOf<"evaluate">;
export type DialogCommand = CommandOf<"dialog">;
export type WaitForCommand = CommandOf<"wait_for">;
export type SnapshotCommand = CommandOf<"snapshot">;
export type FillCommand = CommandOf<"fill">;
export type ConsoleCommand = CommandOf<"console">;
export type BridgeCommand =
  | WaitForCommand
  | SnapshotCommand
  | FillCommand
  | ConsoleCommand
  | NavigateCommand
  | HistoryCommand
  | EvaluateCommand
  | DialogCommand
  | MouseMoveCommand
  | MouseClickCommand
  | MouseScrollCommand
  | KeyboardTypeCommand
  | KeyboardPressCommand
  | ScreenshotCommand
  | TabCommand
  | GetTabsCommand;

/** What callers may send: defaults optional, as on the REST API. */
export type CommandInput = { type: CommandType; command_id?: string; tab_id?: number } & Record<string, unknown>;

export function isCommandType(t: unknown): t is CommandType {
  return typeof t === "string" && Object.hasOwn(commandSchemas, t);
}

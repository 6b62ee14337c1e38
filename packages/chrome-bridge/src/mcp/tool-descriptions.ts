/** What a tool tells the model; commands without an entry still get a tool, described by the fallback. */
export interface ToolDescription {
  title: string;
  description: string;
  /** Reads the browser without changing it (MCP's readOnlyHint). */
  readOnly?: boolean;
}

export const TOOL_DESCRIPTIONS: Readonly<Partial<Record<string, ToolDescription>>> = {
  tab: {
    title: "Tabs",
    description:
      "Open a URL in a new tab (action open, url), close or switch to a tab (tab_id), or list them (action list).",
  },
  get_tabs: {
    title: "List tabs",
    description: "The browser's tabs: id, title, url, which one is active.",
    readOnly: true,
  },
  navigate: {
    title: "Navigate",
    description: "Load a URL in the tab and wait for it (wait_until load, domcontentloaded or none).",
  },
  go_back: { title: "Go back", description: "Go back one entry in the tab's history." },
  go_forward: { title: "Go forward", description: "Go forward one entry in the tab's history." },
  reload: { title: "Reload", description: "Reload the tab's page." },
  evaluate: {
    title: "Evaluate JavaScript",
    description:
      "Run JavaScript in the page: an expression, or a function body with function true (use return). The result must be JSON-serialisable; exceptions come back as errors.",
  },
  wait_for: {
    title: "Wait for",
    description: "Wait until a selector is visible, attached or hidden, a text is present, or a navigation ends.",
    readOnly: true,
  },
  snapshot: {
    title: "Page snapshot",
    description:
      "The page's interactive elements (role, name, value, a ref to click or fill them by) and its visible text. Take one before clicking or typing.",
    readOnly: true,
  },
  fill: {
    title: "Fill a field",
    description:
      "Replace the value of a text field, text area, editable element or select, named by a ref from snapshot (or a CSS selector).",
  },
  console: { title: "Console", description: "Recent console messages and page errors of the tab.", readOnly: true },
  screenshot: {
    title: "Screenshot",
    description:
      "An image of the tab's viewport (JPEG by default, or PNG), with the pointer drawn in unless include_cursor is false; full_page for the whole page, ref or selector for one element.",
    readOnly: true,
  },
  mouse_move: {
    title: "Move the mouse",
    description: "Move the pointer by dx, dy pixels (relative), over duration seconds.",
  },
  mouse_click: {
    title: "Click",
    description:
      "Click an element by ref (from snapshot) or CSS selector, scrolled into view, or at the pointer (button, double, count).",
  },
  mouse_scroll: { title: "Scroll", description: "Scroll at the pointer (direction, amount in pixels)." },
  keyboard_type: {
    title: "Type text",
    description: "Type text into the focused element, or into the element a ref or selector names (appended).",
  },
  keyboard_press: {
    title: "Press a key",
    description: "Press a key (Enter, Tab, ArrowDown, a, ...) with modifiers (Control, Shift, Alt, Meta).",
  },
  dialog: {
    title: "Answer a dialog",
    description:
      "Accept or dismiss the JavaScript dialog (alert, confirm, prompt) open on the tab; prompt_text answers a prompt.",
  },
};

export function describeTool(type: string): ToolDescription {
  return (
    TOOL_DESCRIPTIONS[type] ?? {
      title: type,
      description: `The bridge's ${type} command (see the package's PROTOCOL.md).`,
    }
  );
}

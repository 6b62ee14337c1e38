/**
 * A connection status chip (connecting, open, reconnecting, closed) shown in a panel's title. `label`
 * names the connection it reports when a panel has more than one ("output: open").
 */
export function statusChip(label?: string): { el: HTMLElement; set(status: string, detail?: string): void } {
  const el = document.createElement("span");
  el.className = "status";
  const show = (status: string, detail?: string) => {
    el.dataset.status = status;
    el.textContent = `${label ? `${label}: ` : ""}${status}${detail ? ` · ${detail}` : ""}`;
  };
  show("connecting");
  if (label) el.title = `${label} connection`;
  return { el, set: show };
}

/** Where each package's README lives (the panel's "read more" link). */
const REPO = "https://github.com/proj-ws/websocket-protocols/tree/main/packages";

export interface PanelIntro {
  title: string;
  /** One line: what the protocol is. */
  what: string;
  /** One line: what to try in this panel. */
  tryThis: string;
  /** The package folder, for the README link. */
  pkg: string;
  /** The wire-level details (paths, framing) for those who want them. */
  details: string;
}

/** A panel's header: title and status chips, then what it is and what to try, with the jargon folded away. */
export function panelHeader(panel: HTMLElement, intro: PanelIntro, ...chips: HTMLElement[]): void {
  const h = document.createElement("h2");
  h.append(intro.title, el("span", { className: "chips" }, ...chips));
  const about = el(
    "p",
    { className: "intro", dataset: { role: "intro" } },
    `${intro.what} `,
    el("strong", { textContent: intro.tryThis }),
    " ",
    el("a", {
      href: `${REPO}/${intro.pkg}#readme`,
      target: "_blank",
      rel: "noopener",
      textContent: `@proj/${intro.pkg}`,
    }),
  );
  const details = el(
    "details",
    { className: "wire" },
    el("summary", { textContent: "on the wire" }),
    el("span", { textContent: intro.details }),
  );
  panel.append(h, about, details);
}

/** A value as short readable JSON: spaces after commas and colons, cut at `max` characters. */
export function readableJson(value: unknown, max = 200): string {
  const text = JSON.stringify(value, (_k, v) => (typeof v === "string" && v.length > 60 ? `${v.slice(0, 57)}...` : v))
    ?.replace(/":/g, '": ')
    .replace(/,(?=["{[\d-tfn])/g, ", ");
  if (text === undefined) return String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Appends a line to a bounded log box. */
export function logLine(box: HTMLElement, text: string, max = 300): void {
  const line = document.createElement("div");
  line.textContent = text;
  box.append(line);
  while (box.childElementCount > max) box.firstElementChild?.remove();
  box.scrollTop = box.scrollHeight;
}

/** Creates an element: props are assigned (a `style` string becomes the attribute), then children appended. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> & { dataset?: Record<string, string>; style?: string } = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  const { dataset, style, ...rest } = props;
  Object.assign(e, rest);
  if (style) e.setAttribute("style", style);
  if (dataset) Object.assign(e.dataset, dataset);
  e.append(...children);
  return e;
}

/** A connection status chip (connecting, open, reconnecting, closed) shown in a panel's title. */
export function statusChip(label = "status"): { el: HTMLElement; set(status: string, detail?: string): void } {
  const el = document.createElement("span");
  el.className = "status";
  el.dataset.status = "connecting";
  el.textContent = "connecting";
  el.title = label;
  return {
    el,
    set(status, detail) {
      el.dataset.status = status;
      el.textContent = detail ? `${status} · ${detail}` : status;
    },
  };
}

/** Builds a panel header: title, subtitle, and status chips. */
export function panelHeader(panel: HTMLElement, title: string, subtitle: string, ...chips: HTMLElement[]): void {
  const h = document.createElement("h2");
  h.textContent = title;
  const small = document.createElement("small");
  small.textContent = subtitle;
  h.append(small, ...chips);
  panel.append(h);
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

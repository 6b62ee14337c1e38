// JavaScript run in the page by snapshot, wait_for, fill and the ref/selector forms of click, type and
// screenshot. Plain strings (not serialised functions): bundlers must not rewrite what runs in the page.

/**
 * The page-side helper, created once per document and kept on a non-enumerable symbol property: refs are
 * stable for an element as long as the document lives (a second snapshot gives it the same ref).
 */
const HELPER = String.raw`(() => {
  const K = Symbol.for("chrome-bridge.page");
  if (window[K]) return window[K];
  const refs = new Map();
  const ids = new WeakMap();
  let next = 0;
  const refOf = (el) => {
    let r = ids.get(el);
    if (!r) {
      r = "e" + ++next;
      ids.set(el, r);
      refs.set(r, new WeakRef(el));
    }
    return r;
  };
  const clean = (s, max) => {
    const t = String(s ?? "").replace(/\s+/g, " ").trim();
    return t.length > max ? t.slice(0, max - 1) + "\u2026" : t;
  };
  const shown = (el) => {
    if (!el.isConnected) return false;
    const s = getComputedStyle(el);
    if (s.visibility === "hidden" || s.visibility === "collapse" || s.display === "none") return false;
    const b = el.getBoundingClientRect();
    return b.width > 0 && b.height > 0;
  };
  const INTERACTIVE = 'a[href],button,input:not([type=hidden]),select,textarea,summary,[contenteditable=""],[contenteditable=true],[onclick],[tabindex]:not([tabindex="-1"]),[role=button],[role=link],[role=checkbox],[role=radio],[role=switch],[role=tab],[role=menuitem],[role=option],[role=textbox],[role=searchbox],[role=combobox],[role=slider],[role=spinbutton]';
  const INPUT_ROLES = { button: "button", submit: "button", reset: "button", image: "button", checkbox: "checkbox", radio: "radio", range: "slider", number: "spinbutton", search: "searchbox" };
  const roleOf = (el) => {
    const explicit = el.getAttribute("role");
    if (explicit) return explicit.split(" ")[0];
    const tag = el.tagName.toLowerCase();
    if (tag === "a") return "link";
    if (tag === "button" || tag === "summary") return "button";
    if (tag === "select") return el.multiple || el.size > 1 ? "listbox" : "combobox";
    if (tag === "textarea" || el.isContentEditable) return "textbox";
    if (tag === "input") return INPUT_ROLES[(el.type || "text").toLowerCase()] || "textbox";
    return "clickable";
  };
  const textOf = (el) => clean(el.innerText || el.textContent, 100);
  const nameOf = (el) => {
    const aria = el.getAttribute("aria-label");
    if (aria) return clean(aria, 100);
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const t = by.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean).map(textOf).join(" ");
      if (t) return clean(t, 100);
    }
    if (el.labels && el.labels.length) return clean([...el.labels].map(textOf).join(" "), 100);
    const tag = el.tagName.toLowerCase();
    if (tag === "input" && ["button", "submit", "reset"].includes(el.type)) return clean(el.value, 100);
    if (tag === "input" || tag === "textarea" || tag === "select") return clean(el.getAttribute("title") || el.getAttribute("placeholder") || el.name || "", 100);
    const own = textOf(el);
    if (own) return own;
    const img = el.querySelector("img[alt]");
    return clean(el.getAttribute("title") || (img && img.alt) || "", 100);
  };
  const describe = (el) => {
    const b = el.getBoundingClientRect();
    const x = Math.round(b.left + b.width / 2);
    const y = Math.round(b.top + b.height / 2);
    const e = { ref: refOf(el), role: roleOf(el), name: nameOf(el), x, y };
    const tag = el.tagName.toLowerCase();
    if (tag === "input" && (el.type === "checkbox" || el.type === "radio")) e.checked = el.checked;
    else if (tag === "select") e.value = clean([...el.selectedOptions].map((o) => o.text).join(", "), 200);
    else if (tag === "textarea" || (tag === "input" && !["button", "submit", "reset", "image"].includes(el.type))) e.value = el.type === "password" ? (el.value ? "\u2022\u2022\u2022" : "") : clean(el.value, 200);
    else if (el.isContentEditable) e.value = clean(el.innerText, 200);
    if (el.disabled) e.disabled = true;
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) e.offscreen = true;
    return e;
  };
  const snapshot = (maxText, maxElements) => {
    const elements = [];
    let more = 0;
    for (const el of document.querySelectorAll(INTERACTIVE)) {
      if (!shown(el)) continue;
      if (elements.length >= maxElements) { more++; continue; }
      elements.push(describe(el));
    }
    const full = (document.body ? document.body.innerText : "").replace(/[ \t\u00a0]+/g, " ").replace(/\s*\n\s*/g, "\n").trim();
    const text = full.length > maxText ? full.slice(0, maxText) : full;
    return { url: location.href, title: document.title, viewport: { width: innerWidth, height: innerHeight }, elements, more_elements: more, text, text_truncated: text.length < full.length };
  };
  const find = (ref, selector) => {
    if (ref) {
      const el = refs.get(ref)?.deref();
      if (!el || !el.isConnected) throw new Error("ref " + ref + " is not on the page (any more): take a new snapshot");
      return el;
    }
    let el;
    try { el = document.querySelector(selector); } catch (e) { throw new Error("invalid selector " + JSON.stringify(selector) + ": " + e.message); }
    if (!el) throw new Error("no element matches " + JSON.stringify(selector));
    return el;
  };
  /** Scrolls the element into view if needed; its centre in viewport coordinates, and its box in the page's. */
  const reveal = (el) => {
    if (!shown(el)) throw new Error((el.id ? "#" + el.id : el.tagName.toLowerCase()) + " is not visible");
    let b = el.getBoundingClientRect();
    if (b.top < 0 || b.left < 0 || b.bottom > innerHeight || b.right > innerWidth) {
      el.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
      b = el.getBoundingClientRect();
    }
    const x = Math.round(b.left + b.width / 2);
    const y = Math.round(b.top + b.height / 2);
    const r = { x, y, box: { x: b.left + scrollX, y: b.top + scrollY, width: b.width, height: b.height }, ref: refOf(el) };
    // Another element on top at the centre (an overlay, a banner) gets the click instead.
    const hit = document.elementFromPoint(x, y);
    if (hit && hit !== el && !el.contains(hit) && !hit.contains(el)) r.covered_by = hit.tagName.toLowerCase() + (hit.id ? "#" + hit.id : "");
    return r;
  };
  const focusEnd = (el) => {
    el.focus();
    const active = document.activeElement;
    if (active !== el && !el.contains(active)) throw new Error((el.id ? "#" + el.id : el.tagName.toLowerCase()) + " cannot take the focus (not a field or editable element)");
    if (el.isContentEditable) {
      const r = document.createRange();
      r.selectNodeContents(el);
      r.collapse(false);
      const s = getSelection();
      s.removeAllRanges();
      s.addRange(r);
    } else {
      try { el.setSelectionRange(el.value.length, el.value.length); } catch {}
    }
  };
  /** Focuses a field and selects its content, so typing replaces it; "select" for select elements. */
  const prepareFill = (el, value) => {
    const tag = el.tagName.toLowerCase();
    if (el.disabled) throw new Error("the element is disabled");
    if (tag === "select") {
      const opt = [...el.options].find((o) => o.value === value) || [...el.options].find((o) => o.text.trim() === value.trim());
      if (!opt) throw new Error("no option " + JSON.stringify(value) + " in the select");
      el.value = opt.value;
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
      return "select";
    }
    const text = tag === "textarea" || (tag === "input" && !["checkbox", "radio", "button", "submit", "reset", "image", "file", "range", "color"].includes(el.type));
    if (!text && !el.isContentEditable) throw new Error("fill needs a text field, text area, editable element or select (click checkboxes and buttons)");
    el.focus();
    if (el.isContentEditable) {
      const r = document.createRange();
      r.selectNodeContents(el);
      const s = getSelection();
      s.removeAllRanges();
      s.addRange(r);
    } else {
      el.select();
    }
    if (value === "") {
      document.execCommand("delete");
      if ((el.isContentEditable ? el.innerText : el.value) !== "") {
        if (el.isContentEditable) el.textContent = ""; else el.value = "";
        el.dispatchEvent(new Event("input", { bubbles: true }));
      }
    }
    return "text";
  };
  const valueOf = (el) => (el.isContentEditable ? el.innerText : el.value);
  const h = { snapshot, find, reveal, focusEnd, prepareFill, valueOf, shown, refOf };
  Object.defineProperty(window, K, { value: h, enumerable: false });
  return h;
})()`;

const arg = (v: unknown) => JSON.stringify(v ?? null);

export const snapshotScript = (maxText: number, maxElements: number) =>
  `${HELPER}.snapshot(${maxText}, ${maxElements})`;

/** `{x, y, box, ref}` of the element, scrolled into view. */
export const revealScript = (ref?: string, selector?: string) =>
  `(() => { const h = ${HELPER}; return h.reveal(h.find(${arg(ref)}, ${arg(selector)})); })()`;

/** Focuses the element with the caret at the end. */
export const focusScript = (ref?: string, selector?: string) =>
  `(() => { const h = ${HELPER}; const el = h.find(${arg(ref)}, ${arg(selector)}); h.reveal(el); h.focusEnd(el); return h.refOf(el); })()`;

/** "select" (done), or "text" (focused, content selected: insert the value next). */
export const prepareFillScript = (ref: string | undefined, selector: string | undefined, value: string) =>
  `(() => { const h = ${HELPER}; const el = h.find(${arg(ref)}, ${arg(selector)}); h.reveal(el); return { kind: h.prepareFill(el, ${arg(value)}), ref: h.refOf(el) }; })()`;

/** The value of the focused element after a fill. */
export const filledValueScript = (ref: string) =>
  `(() => { const h = ${HELPER}; return h.valueOf(h.find(${arg(ref)}, null)); })()`;

/**
 * A promise in the page that resolves `true` once the condition holds (checked on every DOM change and
 * every 100 ms), `false` after `ms`.
 */
export const waitScript = (
  spec: { selector?: string; state?: "visible" | "attached" | "hidden"; text?: string; url?: string },
  ms: number,
) => `new Promise((resolve) => {
  const h = ${HELPER};
  const spec = ${arg(spec)};
  if (spec.selector) {
    try { document.querySelector(spec.selector); } catch (e) { throw new Error("invalid selector " + JSON.stringify(spec.selector) + ": " + e.message); }
  }
  const check = () => {
    if (spec.url) return location.href.includes(spec.url) && document.readyState === "complete";
    if (spec.text) return (document.body ? document.body.innerText : "").includes(spec.text);
    const el = document.querySelector(spec.selector);
    if (spec.state === "attached") return !!el;
    if (spec.state === "hidden") return !el || !h.shown(el);
    return !!el && h.shown(el);
  };
  let done = false;
  const finish = (v) => { if (done) return; done = true; obs.disconnect(); clearInterval(iv); clearTimeout(to); resolve(v); };
  const obs = new MutationObserver(() => { if (check()) finish(true); });
  const iv = setInterval(() => { if (check()) finish(true); }, 100);
  const to = setTimeout(() => finish(false), ${Math.max(0, Math.round(ms))});
  obs.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  if (check()) finish(true);
})`;

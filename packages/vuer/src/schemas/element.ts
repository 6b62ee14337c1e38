import type { SceneNode } from "../protocol/wire.js";

/** A serialised element: `{children?, key, tag, ...props}`. Elements are plain data, ready for the wire. */
export type Element = SceneNode;
export type Child = Element | string;

/** Props every element takes. Values `undefined` are left out; `null` is sent as nil. */
export interface ElementProps {
  key?: string;
  children?: Child[];
  [prop: string]: unknown;
}

/** A builder: `Box({ args: [1, 1, 1], key: "b" })`, `Group({ key: "g" }, Box(), Sphere())`, `Text("hello")`. */
export type Builder<P extends ElementProps = ElementProps> = (...args: Array<P | Child>) => Element;

// Upstream keys elements from one process-wide counter (as strings, from "0") when no key is given.
let counter = 0;

/** The next automatic key. */
export function nextKey(): string {
  return String(counter++);
}

/** Restarts automatic keys at "0" (tests and reproducible scripts). */
export function resetKeys(): void {
  counter = 0;
}

export function isElement(v: unknown): v is Element {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    !ArrayBuffer.isView(v) &&
    typeof (v as { tag?: unknown }).tag === "string"
  );
}

/** Splits builder arguments into children (elements and strings) and props (the plain objects, merged). */
export function splitArgs<P extends ElementProps>(args: ReadonlyArray<P | Child>): { props: P; children: Child[] } {
  const children: Child[] = [];
  let props = {} as P;
  for (const a of args) {
    if (typeof a === "string" || isElement(a)) children.push(a);
    else if (a && typeof a === "object") props = { ...props, ...a };
  }
  if (Array.isArray(props.children)) children.unshift(...props.children);
  return { props, children };
}

/**
 * Serialises like upstream's Element/BlockElement: `children` first when non-empty, then `key`, `tag`, then
 * the given props in order. Class-level defaults are never added (only what the caller passed is sent).
 * Typed arrays other than Uint8Array become plain number arrays (upstream calls numpy's `tolist()`).
 */
export function element(tag: string, props: ElementProps = {}, children: Child[] = [], defaultKey?: string): Element {
  const out: Record<string, unknown> = {};
  if (children.length > 0) out.children = children;
  out.key = props.key ?? defaultKey ?? nextKey();
  out.tag = tag;
  for (const [k, v] of Object.entries(props)) {
    if (k === "key" || k === "children" || k === "tag" || v === undefined) continue;
    out[k] = plain(v);
  }
  return out as Element;
}

function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof Uint8Array) && !(v instanceof DataView)) {
    return Array.from(v as unknown as ArrayLike<number>);
  }
  return v;
}

/** Makes a builder for `tag` (with upstream's class-level default key, if it has one). */
export function defineElement<P extends ElementProps = ElementProps>(tag: string, defaultKey?: string): Builder<P> {
  return (...args) => {
    const { props, children } = splitArgs<P>(args);
    return element(tag, props, children, defaultKey);
  };
}

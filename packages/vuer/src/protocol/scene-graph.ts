import { Emitter } from "@proj/ws-core";
import { ROOT_LISTS, type RootList, type SceneNode, type SceneOp, type VuerEvent } from "./wire.js";

/** What one operation changed, for viewers that re-render incrementally. */
export interface SceneChange {
  op: SceneOp;
  /** Keys of nodes added, merged, replaced or removed (for SET: the new scene's key). */
  keys: string[];
  /** Keys the operation named but could not apply (UPDATE of a missing node, ADD/UPSERT under a missing parent). */
  missed: string[];
}

type Events = { change: SceneChange };
type Child = SceneNode | string;

/** Prop value that deletes the prop in a non-strict UPDATE (upstream's documented `"$delete"`). */
export const DELETE = "$delete";

const isNode = (c: unknown): c is SceneNode =>
  typeof c === "object" && c !== null && typeof (c as SceneNode).key === "string";
const isRootList = (to: string): to is RootList => (ROOT_LISTS as readonly string[]).includes(to);

/**
 * A scene tree that applies SET / ADD / UPSERT / UPDATE / REMOVE the way Vuer's browser client does:
 * nodes are addressed by key only; `to` names a root list (`children`, `rawChildren`, `htmlChildren`,
 * `bgChildren`) or a parent key; lookups search all four root lists; merges are shallow (a sent `children`
 * replaces the old one). Lists are copied on write, so nodes handed in are never mutated.
 * Emits `change` after every operation.
 */
export class SceneGraph {
  #root: SceneNode;
  #version = 0;
  readonly #events = new Emitter<Events>();

  constructor(scene?: SceneNode) {
    this.#root = scene ? own(scene) : { tag: "Scene", key: "scene" };
  }

  /** The whole scene (a `Scene` node), e.g. to replay to a late joiner with SET. Treat as read-only. */
  get scene(): SceneNode {
    return this.#root;
  }

  /** Bumped by every operation that changed something. */
  get version(): number {
    return this.#version;
  }

  on(event: "change", listener: (c: SceneChange) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** The node with this key, searched across the four root lists (depth first). */
  find(key: string): SceneNode | undefined {
    return this.#locate(key)?.node;
  }

  /** Every node in the tree, depth first, root lists in order. */
  *nodes(): Generator<SceneNode> {
    const walk = function* (list: readonly Child[] | undefined): Generator<SceneNode> {
      for (const c of list ?? []) {
        if (!isNode(c)) continue;
        yield c;
        yield* walk(c.children);
      }
    };
    for (const l of ROOT_LISTS) yield* walk(this.#list(this.#root, l));
  }

  /**
   * Applies one server event; returns the change, or undefined when the etype is not a scene op. Malformed
   * data (a SET without a node, `nodes` or `keys` that are not lists, entries without a string key) is skipped,
   * never thrown: the event comes from the network.
   */
  apply(event: VuerEvent): SceneChange | undefined {
    const data = (typeof event.data === "object" && event.data !== null ? event.data : {}) as {
      nodes?: unknown;
      to?: unknown;
      keys?: unknown;
    };
    const nodes = Array.isArray(data.nodes) ? data.nodes.filter(isNode) : [];
    const to = typeof data.to === "string" ? data.to : null;
    switch (event.etype) {
      case "SET":
        return isNode(event.data) ? this.set(event.data) : this.#emit({ op: "SET", keys: [], missed: [] });
      case "ADD":
        return this.add(nodes, to);
      case "UPSERT":
        return this.upsert(nodes, to);
      case "UPDATE":
        return this.update(nodes, event.strict === true);
      case "REMOVE":
        return this.remove(Array.isArray(data.keys) ? data.keys.filter((k) => typeof k === "string") : []);
      default:
        return undefined;
    }
  }

  set(scene: SceneNode): SceneChange {
    this.#root = own(scene);
    return this.#emit({ op: "SET", keys: [scene.key], missed: [] });
  }

  /** Appends without checking for duplicates (upstream's ADD assumes new nodes). */
  add(nodes: readonly SceneNode[], to: string | null = null): SceneChange {
    const change: SceneChange = { op: "ADD", keys: [], missed: [] };
    const target = this.#target(to);
    if (!target) change.missed.push(...nodes.map((n) => n.key));
    else {
      this.#setList(target.owner, target.list, [...(this.#list(target.owner, target.list) ?? []), ...nodes.map(own)]);
      change.keys.push(...nodes.map((n) => n.key));
    }
    return this.#emit(change);
  }

  /** Shallow-merges into the node with the same key wherever it is; appends under `to` when there is none. */
  upsert(nodes: readonly SceneNode[], to: string | null = null): SceneChange {
    const change: SceneChange = { op: "UPSERT", keys: [], missed: [] };
    for (const n of nodes) {
      if (this.#replaceAt(n.key, (old) => own({ ...old, ...n }))) {
        change.keys.push(n.key);
        continue;
      }
      const target = this.#target(to);
      if (!target) {
        change.missed.push(n.key);
        continue;
      }
      this.#setList(target.owner, target.list, [...(this.#list(target.owner, target.list) ?? []), own(n)]);
      change.keys.push(n.key);
    }
    return this.#emit(change);
  }

  /**
   * Changes existing nodes only. Non-strict: shallow merge, a prop set to `"$delete"` is removed.
   * Strict: the node is replaced by the one sent (same place in the tree).
   */
  update(nodes: readonly SceneNode[], strict = false): SceneChange {
    const change: SceneChange = { op: "UPDATE", keys: [], missed: [] };
    for (const n of nodes) {
      const ok = this.#replaceAt(n.key, (old) => {
        if (strict) return own(n);
        const merged: SceneNode = { ...old };
        for (const [k, v] of Object.entries(n)) {
          if (v === DELETE) delete merged[k];
          else merged[k] = v;
        }
        return own(merged);
      });
      (ok ? change.keys : change.missed).push(n.key);
    }
    return this.#emit(change);
  }

  /** Removes every node with one of these keys, at any depth in any root list. Missing keys are fine. */
  remove(keys: readonly string[]): SceneChange {
    const drop = new Set(keys);
    const removed = new Set<string>();
    const prune = (list: readonly Child[]): Child[] | undefined => {
      let changed = false;
      const out: Child[] = [];
      for (const c of list) {
        if (isNode(c) && drop.has(c.key)) {
          removed.add(c.key);
          changed = true;
          continue;
        }
        if (isNode(c) && Array.isArray(c.children)) {
          const inner = prune(c.children);
          if (inner) {
            out.push({ ...c, children: inner });
            changed = true;
            continue;
          }
        }
        out.push(c);
      }
      return changed ? out : undefined;
    };
    for (const l of ROOT_LISTS) {
      const list = this.#list(this.#root, l);
      const next = list && prune(list);
      if (next) this.#setList(this.#root, l, next);
    }
    return this.#emit({ op: "REMOVE", keys: [...removed], missed: keys.filter((k) => !removed.has(k)) });
  }

  // ---- internals ----

  #emit(change: SceneChange): SceneChange {
    if (change.keys.length > 0) this.#version++;
    this.#events.emit("change", change);
    return change;
  }

  #list(owner: SceneNode, name: string): Child[] | undefined {
    const l = owner[name];
    return Array.isArray(l) ? (l as Child[]) : undefined;
  }

  #setList(owner: SceneNode, name: string, list: Child[]): void {
    owner[name] = list;
  }

  /** Where ADD/UPSERT put new nodes: a root list, or the `children` of the node keyed `to`. */
  #target(to: string | null): { owner: SceneNode; list: string } | undefined {
    if (to === null || to === undefined) return { owner: this.#root, list: "children" };
    if (isRootList(to)) return { owner: this.#root, list: to };
    const parent = this.#locate(to);
    return parent ? { owner: parent.node, list: "children" } : undefined;
  }

  #locate(key: string): { node: SceneNode; list: Child[]; index: number } | undefined {
    const search = (list: Child[]): { node: SceneNode; list: Child[]; index: number } | undefined => {
      for (let i = 0; i < list.length; i++) {
        const c = list[i];
        if (!isNode(c)) continue;
        if (c.key === key) return { node: c, list, index: i };
        if (Array.isArray(c.children)) {
          const hit = search(c.children as Child[]);
          if (hit) return hit;
        }
      }
      return undefined;
    };
    for (const l of ROOT_LISTS) {
      const list = this.#list(this.#root, l);
      const hit = list && search(list);
      if (hit) return hit;
    }
    return undefined;
  }

  /** Replaces the node keyed `key` in place with `fn(old)`. The node objects are copied, never mutated. */
  #replaceAt(key: string, fn: (old: SceneNode) => SceneNode): boolean {
    const hit = this.#locate(key);
    if (!hit) return false;
    hit.list[hit.index] = fn(hit.node);
    return true;
  }
}

/** A copy of the node and of every `children` list below it (props are shared: they are replaced, never edited). */
function own(n: SceneNode): SceneNode {
  const out: SceneNode = { ...n };
  for (const l of ROOT_LISTS) {
    const list = out[l];
    if (Array.isArray(list)) out[l] = list.map((c: Child) => (isNode(c) ? own(c) : c));
  }
  return out;
}

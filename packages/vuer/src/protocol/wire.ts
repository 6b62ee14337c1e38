/** A node of the scene tree as it travels: `{tag, key, ...props, children?}`. */
export interface SceneNode {
  tag: string;
  key: string;
  children?: Array<SceneNode | string>;
  [prop: string]: unknown;
}

/** Any event on the wire: a msgpack map with a string `etype`. */
export interface VuerEvent {
  etype: string;
  /** Integer milliseconds from servers and the Node/Python clients; float seconds from some browser events. */
  ts?: number;
  [field: string]: unknown;
}

/** Server to client: `{ts, data, etype, ...extras}`. */
export interface ServerEvent<D = unknown> extends VuerEvent {
  ts: number;
  data: D;
}

/** Client to server: `{ts, etype, value, key?, ...extras}`. */
export interface ClientEventMessage<V = any> extends VuerEvent {
  value?: V;
  key?: string;
}

/** The four root lists of a Scene; `to` may name one of them instead of a node key. */
export const ROOT_LISTS = ["children", "rawChildren", "htmlChildren", "bgChildren"] as const;
export type RootList = (typeof ROOT_LISTS)[number];

/** The scene operations that change a scene tree. */
export const SCENE_OPS = ["SET", "ADD", "UPSERT", "UPDATE", "REMOVE"] as const;
export type SceneOp = (typeof SCENE_OPS)[number];

/**
 * An event's time in integer milliseconds. The Python and Node clients send ms integers, some browser
 * events send `Date.now()/1e3` float seconds; anything below 1e11 is taken as seconds. Undefined if missing.
 */
export function eventTimeMs(ev: { ts?: unknown }): number | undefined {
  const ts = ev.ts;
  if (typeof ts !== "number" || !Number.isFinite(ts)) return undefined;
  return ts < 1e11 ? Math.round(ts * 1000) : Math.round(ts);
}

import type { SceneNode, ServerEvent } from "./wire.js";

/** Options every server event takes: a fixed `ts` (ms) for reproducible frames, else `Date.now()`. */
export interface EventTime {
  ts?: number;
}

type Nodes = SceneNode | readonly SceneNode[];

const list = (nodes: Nodes): SceneNode[] => (Array.isArray(nodes) ? [...nodes] : [nodes as SceneNode]);
const now = (o?: EventTime) => o?.ts ?? Date.now();

/** SET: replace the whole scene. `scene` must be a `Scene` element (the browser refuses any other tag). */
export function setEvent(scene: SceneNode | Record<string, unknown>, o?: EventTime): ServerEvent {
  return { ts: now(o), data: scene, etype: "SET" };
}

/** ADD: append nodes to `to` (a node key or a root list name; null = the root `children`). Duplicates possible. */
export function addEvent(nodes: Nodes, o?: EventTime & { to?: string | null }): ServerEvent {
  return { ts: now(o), data: { nodes: list(nodes), to: o?.to ?? null }, etype: "ADD" };
}

/** UPSERT: shallow-merge into the node with the same key, or append under `to` when there is none. */
export function upsertEvent(nodes: Nodes, o?: EventTime & { to?: string | null }): ServerEvent {
  // Upstream's Upsert accepts `strict` but never serialises it, so it is not part of the wire format.
  return { ts: now(o), data: { nodes: list(nodes), to: o?.to ?? null }, etype: "UPSERT" };
}

/** UPDATE: shallow-merge props into existing nodes only (a missing key is a no-op). */
export function updateEvent(nodes: Nodes, o?: EventTime & { strict?: boolean }): ServerEvent {
  return { ts: now(o), data: { nodes: list(nodes) }, etype: "UPDATE", strict: o?.strict ?? false };
}

/** REMOVE: delete every node with one of these keys, wherever it is (safe when missing). */
export function removeEvent(keys: string | readonly string[], o?: EventTime): ServerEvent {
  return { ts: now(o), data: { keys: typeof keys === "string" ? [keys] : [...keys] }, etype: "REMOVE" };
}

export function noopEvent(o?: EventTime): ServerEvent {
  return { ts: now(o), data: null, etype: "NOOP" };
}

/** Upstream's `End`: tells the client the stream is over. */
export function terminateEvent(o?: EventTime): ServerEvent {
  return { ts: now(o), data: null, etype: "TERMINATE" };
}

export interface HapticPulse {
  strength: number;
  duration: number;
}

export function hapticPulseEvent(
  pulse: { left?: HapticPulse | null; right?: HapticPulse | null },
  o?: EventTime,
): ServerEvent {
  const side = (p?: HapticPulse | null) => (p ? { strength: p.strength, duration: p.duration } : null);
  return { ts: now(o), data: { left: side(pulse.left), right: side(pulse.right) }, etype: "HAPTIC_ACTUATOR_PULSE" };
}

/**
 * A request the client answers with an event whose `etype` is `<etype>_RESPONSE@<uuid>`. Keyed requests
 * (GRAB_RENDER, ...) also carry that as `rtype`; upstream's generic `ServerRPC` (etype `RPC`) does not.
 */
export interface RpcEvent extends ServerEvent {
  uuid: string;
  rtype?: string;
}

export interface RpcOptions extends EventTime {
  uuid?: string;
}

/** `rtype` = `<ETYPE>_RESPONSE@<uuid>`: the client answers with that as its `etype`. */
export function responseType(etype: string, uuid: string): string {
  return `${etype}_RESPONSE@${uuid}`;
}

/** The etype an answer to this request carries: its `rtype`, else `<etype>_RESPONSE@<uuid>` (upstream's `Vuer.rpc`). */
export function rpcResponseType(request: { etype: string; uuid?: unknown; rtype?: unknown }): string | undefined {
  if (typeof request.rtype === "string") return request.rtype;
  return typeof request.uuid === "string" ? responseType(request.etype, request.uuid) : undefined;
}

/**
 * A generic RPC (upstream's `ServerRPC`: `{uuid, ts, data, etype: "RPC"}`, no `rtype` on the wire, byte for byte
 * as upstream sends it). The client answers with `RPC_RESPONSE@<uuid>`. `rtype: true` adds the `rtype` field
 * (as the keyed requests carry it), `key` adds a `key`.
 */
export function rpcEvent(data: unknown, o?: RpcOptions & { etype?: string; key?: string; rtype?: boolean }): RpcEvent {
  const uuid = o?.uuid ?? randomUuid();
  const etype = o?.etype ?? "RPC";
  // Key order as upstream emits it: uuid, ts, data, etype, key?, rtype?.
  const ev = { uuid, ts: now(o), data, etype } as RpcEvent;
  if (o?.key !== undefined) ev.key = o.key;
  if (o?.rtype) ev.rtype = responseType(etype, uuid);
  return ev;
}

function keyedRpc(etype: string, defaultKey: string) {
  return (params: { key?: string; [k: string]: unknown } = {}, o?: RpcOptions): RpcEvent => {
    const { key = defaultKey, ...data } = params;
    return rpcEvent(data, { ...o, etype, key, rtype: true });
  };
}

/** Asks the `GrabRender` component (key "DEFAULT") for a frame: `{quality, downsample, ...}`. */
export const grabRenderEvent = keyedRpc("GRAB_RENDER", "DEFAULT");
export const mjStepEvent = keyedRpc("MJ_STEP", "DEFAULT");
export const mjRenderEvent = keyedRpc("MJ_RENDER", "DEFAULT");
export const getWebXRMeshEvent = keyedRpc("GET_WEBXR_MESH", "webxr-mesh");

/** RFC 4122 v4 id; `crypto.randomUUID` is missing on insecure browser origins, so fall back to random bytes. */
export function randomUuid(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === "function") return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

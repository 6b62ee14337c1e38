import { SceneGraph } from "../protocol/scene-graph.js";
import { setEvent, upsertEvent } from "../protocol/server-events.js";
import { ROOT_LISTS, type SceneNode, type ServerEvent } from "../protocol/wire.js";
import { SceneOps } from "./scene-ops.js";
import { fanOut, type VuerSession } from "./session.js";

export interface SceneStoreStats {
  /** Operations fanned out. */
  operations: number;
  /** Frames handed to subscribed sessions (operations x subscribers, minus closed ones). */
  delivered: number;
}

/**
 * A scene shared by many sessions (upstream's `SceneStore` idea): every operation updates one `SceneGraph`
 * and is encoded once, then queued on every subscribed session. A session that subscribes late first gets
 * a SET with the current scene, so a browser opened beside a script sees what the script built.
 */
export class SceneStore extends SceneOps<number> {
  readonly graph: SceneGraph;
  readonly stats: SceneStoreStats = { operations: 0, delivered: 0 };
  readonly #subscribers = new Set<VuerSession>();
  #hasScene = false;

  constructor(initial?: SceneNode) {
    super();
    this.graph = new SceneGraph(initial);
    this.#hasScene = initial !== undefined;
  }

  get subscribers(): ReadonlySet<VuerSession> {
    return this.#subscribers;
  }

  /**
   * Adds a session; it first receives the current scene (SET) unless `replay` is false or no scene was set.
   * Unsubscribes by itself when the session closes; the returned function unsubscribes earlier.
   */
  subscribe(session: VuerSession, options: { replay?: boolean } = {}): () => void {
    if (!session.connected) return () => {};
    if (!this.#subscribers.has(session)) {
      this.#subscribers.add(session);
      void session.closed.then(() => this.#subscribers.delete(session));
    }
    if (options.replay !== false) this.#replay(session);
    return () => this.#subscribers.delete(session);
  }

  /**
   * Set by a cluster (`Vuer({ cluster })`): operations go through it, which orders them across instances and
   * calls `applyLocal` on every instance. `send` then returns the number of local subscribers.
   */
  relay: ((event: ServerEvent) => void) | undefined;

  /** True once a SET was applied (late joiners get a SET of the scene rather than upserts). */
  get hasScene(): boolean {
    return this.#hasScene;
  }

  /** Applies a scene op to the shared graph (other events pass through) and fans it out; returns deliveries. */
  override send(event: ServerEvent): number {
    if (this.relay) {
      this.relay(event);
      return this.#subscribers.size;
    }
    return this.applyLocal(event);
  }

  /** Replaces the whole scene (a cluster reload): subscribers get a SET of it. */
  reset(scene: SceneNode, hasScene = true): void {
    this.graph.apply(setEvent(scene));
    this.#hasScene = hasScene;
    fanOut(this.#subscribers, setEvent(this.graph.scene));
  }

  /** What `send` does on one instance: apply to this graph and fan out here. */
  applyLocal(event: ServerEvent): number {
    if (this.graph.apply(event) && event.etype === "SET") this.#hasScene = true;
    const n = fanOut(this.#subscribers, event);
    this.stats.operations++;
    this.stats.delivered += n;
    return n;
  }

  /** The current state for a newcomer: the whole scene, or (if nobody set one) upserts of what was added. */
  #replay(session: VuerSession): void {
    if (this.#hasScene) {
      session.send(setEvent(this.graph.scene));
      return;
    }
    for (const list of ROOT_LISTS) {
      const nodes = this.graph.scene[list];
      if (Array.isArray(nodes) && nodes.length > 0) {
        session.send(
          upsertEvent(
            nodes.filter((n): n is SceneNode => typeof n === "object"),
            { to: list },
          ),
        );
      }
    }
  }
}

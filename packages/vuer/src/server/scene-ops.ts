import { addEvent, removeEvent, setEvent, updateEvent, upsertEvent } from "../protocol/server-events.js";
import type { SceneNode, ServerEvent } from "../protocol/wire.js";

type Nodes = SceneNode | readonly SceneNode[];

/** The scene operations as methods over `send`: one session's (`VuerSession`) or the shared scene's (`SceneStore`). */
export abstract class SceneOps<R> {
  abstract send(event: ServerEvent): R;

  /** SET: replace the scene (`scene` should be a `Scene`/`DefaultScene` element). */
  set(scene: SceneNode): R {
    return this.send(setEvent(scene));
  }

  /** ADD nodes under `to` (a key or root list; default the root `children`). */
  add(nodes: Nodes, options: { to?: string | null } = {}): R {
    return this.send(addEvent(nodes, options));
  }

  /** UPSERT: merge into existing nodes by key, insert the rest under `to`. */
  upsert(nodes: Nodes, options: { to?: string | null } = {}): R {
    return this.send(upsertEvent(nodes, options));
  }

  /** UPDATE existing nodes (no-op for missing keys); `strict` replaces instead of merging. */
  update(nodes: Nodes, options: { strict?: boolean } = {}): R {
    return this.send(updateEvent(nodes, options));
  }

  /** REMOVE nodes by key. */
  remove(keys: string | readonly string[]): R {
    return this.send(removeEvent(keys));
  }
}

import type { EventEmitter } from "node:events";

/**
 * Whether `emitter` has listeners for `event`, kept up to date by newListener/removeListener: a field read
 * per event instead of a `listenerCount` call, for hot paths that emit only when someone listens. (Like the
 * emulator's own wiring, it does not survive `removeAllListeners()` without an event name.)
 */
export function listenerFlag(emitter: EventEmitter<any>, event: string): { readonly active: boolean } {
  const e = emitter as EventEmitter;
  const flag = { active: e.listenerCount(event) > 0 };
  e.on("newListener", (name: string | symbol) => {
    if (name === event) flag.active = true;
  });
  e.on("removeListener", (name: string | symbol) => {
    if (name === event) flag.active = e.listenerCount(event) > 0;
  });
  return flag;
}

// Browser-safe client half: no `ws`, no Node built-ins. In Node 20 pass `NodeWebSocket` from `@proj/ws-core/node`.
export * from "../protocol/index.js";
export * from "./cardsharp-client.js";
export * from "./strategies.js";
export {
  type Action,
  ENGINE_EVENT_TYPES,
  type EngineEventType,
  type EventPayload,
  type EventPayloads,
  type GameStage,
  type HandResult,
  isEngineEventType,
  type PublicState,
} from "../engine/events.js";

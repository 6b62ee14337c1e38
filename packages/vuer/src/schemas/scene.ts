import { type Child, type Element, element, splitArgs } from "./element.js";
import type { DefaultSceneProps, SceneProps } from "./props.js";

const SCENE_LISTS = ["bgChildren", "rawChildren", "htmlChildren"] as const;
const SCENE_TAIL = ["background", "toneMapping", "toneMappingExposure", "frameloop", "camPosition", "camRotation"];

/**
 * The scene root: `{children?, key, tag: "Scene", up, ...props, bgChildren?, rawChildren?, htmlChildren?, ...}`.
 * `up` is always sent (default y-up); the extra child lists only when non-empty.
 */
export function Scene(...args: Array<SceneProps | Child>): Element {
  const { props, children } = splitArgs<SceneProps>(args);
  const rest: Record<string, unknown> = { key: props.key, up: props.up ?? [0, 1, 0] };
  for (const [k, v] of Object.entries(props)) {
    if (k in rest || (SCENE_LISTS as readonly string[]).includes(k) || SCENE_TAIL.includes(k)) continue;
    rest[k] = v;
  }
  for (const l of SCENE_LISTS) {
    const list = props[l];
    if (Array.isArray(list) && list.length > 0) rest[l] = list;
  }
  for (const k of SCENE_TAIL) if (props[k] !== undefined && props[k] !== null) rest[k] = props[k];
  return element("Scene", rest, children);
}

/** The background children DefaultScene puts first, exactly as upstream sends them. */
export function defaultBackground(options: { grid?: boolean } = {}): Element[] {
  const bg: Element[] = [];
  if (options.grid !== false) bg.push({ key: "grid", tag: "Grid" });
  bg.push(
    { key: "light-stage", tag: "HemisphereLightStage" },
    { key: "gamepad-0", tag: "Gamepad", index: 0 },
    { key: "hands", tag: "Hands", fps: 30, stream: true },
    {
      key: "motion-controllers",
      tag: "MotionControllers",
      eventTypes: ["trigger", "squeeze"],
      stream: true,
      left: null,
      right: null,
      fps: 30,
    },
    { key: "SceneCamera", tag: "SceneCamera", position: [0, 5, 10] },
    { key: "SceneCameraControl", tag: "SceneCameraControl", makeDefault: true },
    { key: "CameraPreviewThumbs", tag: "CameraPreviewThumbs" },
    { key: "CameraPreviewOverlay", tag: "CameraPreviewOverlay" },
  );
  return bg;
}

/** A Scene with upstream's default background children (grid, lights, XR inputs, camera) before yours. */
export function DefaultScene(...args: Array<DefaultSceneProps | Child>): Element {
  const { props, children } = splitArgs<DefaultSceneProps>(args);
  const { grid, bgChildren = [], ...sceneProps } = props;
  return Scene({
    ...sceneProps,
    children,
    bgChildren: [...defaultBackground({ grid: grid !== false }), ...bgChildren],
  });
}

// Browser-only: the three.js viewer (`@proj/vuer/viewer`). The page GET / serves is this viewer, bundled.
export { type BuildContext, type Built, buildElement, DRAWN_TAGS, disposeObject, textSprite } from "./elements.js";
export { decodeFloat16, decodeUint32 } from "./float16.js";
export { VuerViewer, type VuerViewerOptions } from "./viewer.js";

import type { ElementProps } from "./element.js";
import type { NumericInput } from "./typed-arrays.js";

/** Three numbers: a tuple, an array, or a typed array (sent as a plain list). */
export type Vec3 = readonly number[] | ArrayLike<number>;
export type ColorRepresentation = string | number | Vec3;

/** Props every scene element takes (three.js object props). */
export interface SceneElementProps extends ElementProps {
  position?: Vec3;
  /** Euler angles, radians. */
  rotation?: Vec3;
  scale?: number | Vec3;
  quaternion?: readonly number[] | ArrayLike<number>;
  /** Column-major 4x4. */
  matrix?: readonly number[] | ArrayLike<number>;
  material?: Record<string, unknown> | null;
  color?: ColorRepresentation;
  hide?: boolean;
}

/** Primitive geometries: `args` are the three.js geometry constructor arguments. */
export interface GeometryProps<A extends unknown[] = number[]> extends SceneElementProps {
  args?: A | number[];
  materialType?: string;
}

export interface BoxProps extends GeometryProps<[number, number, number, number?, number?, number?]> {}
export interface SphereProps extends GeometryProps<[number, number?, number?, number?, number?, number?, number?]> {}
export interface PlaneProps extends GeometryProps<[number, number, number?, number?]> {}
export interface CylinderProps
  extends GeometryProps<[number, number, number, number?, number?, boolean?, number?, number?]> {}

/** Point clouds: vertices go out as float16 bytes, colours as RGB uint8 bytes. */
export interface PointCloudProps extends SceneElementProps {
  vertices?: NumericInput | Uint8Array;
  colors?: NumericInput | Uint8Array;
  size?: number;
}

/** Triangle meshes: float16 vertices and uv, uint32 faces, uint8 RGB colours. */
export interface TriMeshProps extends SceneElementProps {
  vertices?: NumericInput | Uint8Array;
  faces?: NumericInput | Uint8Array;
  colors?: NumericInput | Uint8Array;
  uv?: NumericInput | Uint8Array;
  wireframe?: boolean;
  opacity?: number;
}

/** Model loaders (Pcd, Ply, Obj, Stl, Dae, Fbx, Glb, Bvh): a URL (e.g. `/workspace/x.ply`), text or bytes. */
export interface ModelProps extends SceneElementProps {
  src?: string;
  text?: string;
  buff?: Uint8Array;
  encoding?: string;
  assets?: Record<string, unknown>;
  playAnimation?: boolean;
}

export interface UrdfProps extends ModelProps {
  jointValues?: Record<string, number>;
  workingPath?: string;
  parseVisual?: boolean;
  parseCollision?: boolean;
  packages?: Record<string, string>;
}

/** Images: `src` is a URL, a `data:` URL, or encoded PNG/JPEG bytes. */
export interface ImageProps extends SceneElementProps {
  src?: string | Uint8Array;
  format?: "png" | "jpeg" | "b64png" | "b64jpeg";
  quality?: number;
  opacity?: number;
  height?: number;
  distanceToCamera?: number;
}

export interface LightProps extends SceneElementProps {
  intensity?: number;
  helper?: boolean;
  castShadow?: boolean;
}

export interface CameraProps extends SceneElementProps {
  makeDefault?: boolean;
  fov?: number;
  near?: number;
  far?: number;
  lookAt?: Vec3;
}

export interface TextProps extends SceneElementProps {
  fontSize?: number;
  anchorX?: number | string;
  anchorY?: number | string;
  maxWidth?: number;
  font?: string;
}

export interface StreamProps extends SceneElementProps {
  stream?: boolean;
  fps?: number;
}

export interface SceneProps extends ElementProps {
  up?: Vec3;
  background?: ColorRepresentation;
  rawChildren?: ElementProps[] | import("./element.js").Element[];
  htmlChildren?: import("./element.js").Element[];
  bgChildren?: import("./element.js").Element[];
  toneMapping?: string;
  toneMappingExposure?: number;
  frameloop?: "always" | "demand";
  camPosition?: Vec3;
  camRotation?: Vec3;
}

export interface DefaultSceneProps extends SceneProps {
  /** Include the Grid background child. Default true. */
  grid?: boolean;
}

import { type Child, defineElement, type Element, type ElementProps, element, nextKey, splitArgs } from "./element.js";
import type {
  BoxProps,
  CameraProps,
  CylinderProps,
  GeometryProps,
  ImageProps,
  LightProps,
  ModelProps,
  PlaneProps,
  PointCloudProps,
  SceneElementProps,
  SphereProps,
  StreamProps,
  TextProps,
  TriMeshProps,
  UrdfProps,
} from "./props.js";
import { type FrameLease, leaseFrameBuffer } from "../protocol/msgpack/encode.js";
import { pointCloudLayout, pointCloudPayloads } from "./convert.js";
import { asFloat16, asUint32, toColorBytes } from "./typed-arrays.js";

// ---- primitives (three.js geometries; `args` are the geometry constructor arguments) ----
export const Box = defineElement<BoxProps>("Box");
export const Sphere = defineElement<SphereProps>("Sphere");
export const Plane = defineElement<PlaneProps>("Plane");
export const Cylinder = defineElement<CylinderProps>("Cylinder");
export const Capsule = defineElement<GeometryProps>("Capsule");
export const Cone = defineElement<GeometryProps>("Cone");
export const Torus = defineElement<GeometryProps>("Torus");
export const TorusKnot = defineElement<GeometryProps>("TorusKnot");
export const Circle = defineElement<GeometryProps>("Circle");
export const Ring = defineElement<GeometryProps>("Ring");
export const Dodecahedron = defineElement<GeometryProps>("Dodecahedron");
export const Icosahedron = defineElement<GeometryProps>("Icosahedron");
export const Octahedron = defineElement<GeometryProps>("Octahedron");
export const Tetrahedron = defineElement<GeometryProps>("Tetrahedron");
export const Polyhedron = defineElement<GeometryProps<unknown[]>>("Polyhedron");
export const Tube = defineElement<GeometryProps<unknown[]>>("Tube");
export const Lathe = defineElement<GeometryProps<unknown[]>>("Lathe");
export const Extrude = defineElement<GeometryProps<unknown[]>>("Extrude");
export const Shape = defineElement<GeometryProps<unknown[]>>("Shape");
export const Edges = defineElement<GeometryProps<unknown[]>>("Edges");
export const Wireframe = defineElement<GeometryProps<unknown[]>>("Wireframe");

// ---- groups and raw three objects ----
/** Upstream's `Group` serialises as `VuerGroup`; `group` is the plain three.js group. */
export const Group = defineElement<SceneElementProps>("VuerGroup");
export const group = defineElement<SceneElementProps>("group");
export const mesh = defineElement<SceneElementProps>("mesh");

// ---- meshes and point clouds with binary payloads ----

/** Point cloud: N x 3 vertices as float16 bytes, N x 3 colours as RGB bytes. */
export function PointCloud(...args: Array<PointCloudProps | Child>): Element {
  const { props, children } = splitArgs<PointCloudProps>(args);
  return pointCloud(props, children);
}

function pointCloud(props: PointCloudProps, children: Child[], into?: ArrayBuffer): Element {
  const { vertices, colors, ...rest } = props;
  const converted: ElementProps = { key: props.key };
  // Float32 vertices (with float32 or uint8 colours, or none): converted into the buffer the frame is written in.
  const laidOut =
    vertices instanceof Float32Array &&
    (colors === undefined || colors === null || colors instanceof Float32Array || colors instanceof Uint8Array)
      ? pointCloudPayloads(vertices, colors ?? undefined, into)
      : undefined;
  if (laidOut) {
    converted.vertices = laidOut.vertices;
    if (laidOut.colors) converted.colors = laidOut.colors;
  } else {
    if (vertices !== undefined) converted.vertices = asFloat16(vertices);
    if (colors !== undefined && colors !== null) converted.colors = toColorBytes(colors);
  }
  return element("PointCloud", { ...converted, ...rest }, children);
}

/** A `PointCloudStream`'s props: a `PointCloud`'s without the payloads. */
export type PointCloudStreamProps = SceneElementProps & { size?: number; vertices?: never; colors?: never };

/** Buffers a `PointCloudStream` keeps for filling again (the rest are left to whoever holds them). */
const STREAM_BUFFERS = 4;

/**
 * One point cloud sent again and again (a sensor's frames): `next()` gives a `PointCloud` element like the
 * builder's, with the same bytes on the wire, but converted into a buffer the stream recycles. Once the server has
 * written a cloud's frame to every socket it was sent to (`session.upsert`, `scene.upsert`, `broadcast`), the
 * next cloud is converted into the same memory, so steady streaming touches no fresh pages; a frame that had to
 * wait in a slow client's queue, or that `encodeFrame` handed out, keeps its buffer, and the stream takes another.
 *
 * The element `next()` returns is valid until a later `next()` call: then its `vertices` and `colors` may show the
 * newer cloud. Keep it longer (or build it with `PointCloud`) when that matters. The scene store holds the newest
 * element of the key, so a late joiner gets the newest cloud.
 */
export class PointCloudStream {
  readonly #props: PointCloudStreamProps & { key: string };
  readonly #buffers: Array<{ buffer: ArrayBuffer; lease: FrameLease }> = [];

  /** `props`: what every cloud of the stream carries (key, size, position...); the key is fixed once chosen. */
  constructor(props: PointCloudStreamProps = {}) {
    this.#props = { ...props, key: props.key ?? nextKey() };
  }

  get key(): string {
    return this.#props.key;
  }

  /** Buffers held for recycling now, and how many of them may be filled again (for tests and stats). */
  get buffers(): { held: number; free: number } {
    return { held: this.#buffers.length, free: this.#buffers.filter((b) => reusable(b.lease)).length };
  }

  /**
   * The next cloud: float32 vertices (N x 3, flat) and colours (0-1 float32 or RGB bytes), with `props` over the
   * stream's for this cloud only. Any other input (and clouds under 32,768 points) is built as `PointCloud` does.
   */
  next(vertices: Float32Array, colors?: Float32Array | Uint8Array, props: PointCloudStreamProps = {}): Element {
    const all: PointCloudProps = { ...this.#props, ...props, key: this.#props.key, vertices, colors };
    const layout = vertices instanceof Float32Array ? pointCloudLayout(vertices, colors) : undefined;
    if (layout === undefined) return pointCloud(all, []);
    // Buffers whose frame went where it cannot be followed are no longer the stream's.
    for (let i = this.#buffers.length - 1; i >= 0; i--) {
      const { lease } = this.#buffers[i] as { lease: FrameLease };
      if (lease.escaped || lease.abandoned) this.#buffers.splice(i, 1);
    }
    let slot = this.#buffers.find((b) => reusable(b.lease) && b.buffer.byteLength >= layout.bytes);
    if (slot === undefined) {
      // Room for a somewhat larger cloud next time (a sensor's point count varies): 1/8 more, in 64 KiB steps.
      const bytes = Math.ceil((layout.bytes * 1.125) / 65536) * 65536;
      const buffer = new ArrayBuffer(bytes);
      slot = { buffer, lease: leaseFrameBuffer(buffer) };
      if (this.#buffers.length >= STREAM_BUFFERS) this.#buffers.shift();
      this.#buffers.push(slot);
    } else {
      slot.lease = leaseFrameBuffer(slot.buffer);
    }
    return pointCloud(all, [], slot.buffer);
  }
}

/** Every socket the frame was handed to has written it, and it went nowhere else. */
function reusable(lease: FrameLease): boolean {
  return lease.sent > 0 && lease.pending === 0 && !lease.escaped && !lease.abandoned;
}

/** Triangle mesh: float16 vertices and uv, uint32 faces, RGB colour bytes. */
export function TriMesh(...args: Array<TriMeshProps | Child>): Element {
  const { props, children } = splitArgs<TriMeshProps>(args);
  const { vertices, faces, colors, uv, ...rest } = props;
  const converted: ElementProps = { key: props.key };
  if (vertices !== undefined) converted.vertices = asFloat16(vertices);
  if (faces !== undefined) converted.faces = asUint32(faces);
  if (colors !== undefined && colors !== null) converted.colors = toColorBytes(colors);
  if (uv !== undefined && uv !== null) converted.uv = asFloat16(uv);
  return element("TriMesh", { ...converted, ...rest }, children);
}

// ---- model loaders ----
export const Pcd = defineElement<ModelProps>("Pcd");
export const Ply = defineElement<ModelProps>("Ply");
export const Obj = defineElement<ModelProps>("Obj");
export const Stl = defineElement<ModelProps>("Stl");
export const Dae = defineElement<ModelProps>("Dae");
export const Fbx = defineElement<ModelProps>("Fbx");
export const Glb = defineElement<ModelProps>("Glb");
export const Bvh = defineElement<ModelProps>("Bvh");
export const Urdf = defineElement<UrdfProps>("Urdf");

// ---- images and video ----
export const Img = defineElement<ImageProps>("Img");
export const Image = defineElement<ImageProps>("Image");
export const ImageBackground = defineElement<ImageProps>("ImageBackground");
export const SceneBackground = defineElement<
  ImageProps & { backgroundIntensity?: number; backgroundBlurriness?: number }
>("SceneBackground");
export const VideoPlane = defineElement<ImageProps>("VideoPlane");
export const WebRTCVideoPlane = defineElement<ImageProps>("WebRTCVideoPlane");
export const StereoVideoPlane = defineElement<ImageProps>("StereoVideoPlane");

// ---- helpers, markers and text ----
export const Grid = defineElement<SceneElementProps>("Grid");
export const CoordsMarker = defineElement<SceneElementProps & { headScale?: number; lod?: number }>("CoordsMarker");
export const Arrow = defineElement<SceneElementProps & { headScale?: number; lod?: number }>("Arrow");
export const Frustum = defineElement<CameraProps & { aspect?: number; showFrustum?: boolean }>("Frustum");
export const PerspectiveFrustum = defineElement<CameraProps & { aspect?: number }>("PerspectiveFrustum");
export const Line = defineElement<SceneElementProps & { points?: number[][]; lineWidth?: number }>("Line");
/** `Text("hello", { fontSize: 0.2 })`: the string is the child. */
export const Text = defineElement<TextProps>("Text");
export const Text3D = defineElement<TextProps & { smooth?: number; lineHeight?: number; letterSpacing?: number }>(
  "Text3D",
);
export const Html = defineElement<SceneElementProps>("Html");
export const Movable = defineElement<SceneElementProps & { handle?: number[]; showFrame?: boolean }>("Movable");
export const Pivot = defineElement<SceneElementProps & { offset?: number[] }>("Pivot");

// ---- XR inputs (default keys as upstream's classes) ----
export const Hands = defineElement<StreamProps & { eventTypes?: string[]; left?: boolean; right?: boolean }>(
  "Hands",
  "hands",
);
export const MotionControllers = defineElement<
  StreamProps & { eventTypes?: string[]; left?: unknown; right?: unknown }
>("MotionControllers", "motion-controllers");
export const Body = defineElement<StreamProps>("Body");
export const Head = defineElement<StreamProps>("Head", "head_tracking");
export const Gamepad = defineElement<StreamProps & { index?: number }>("Gamepad");

// ---- lights ----
export const AmbientLight = defineElement<LightProps>("AmbientLight");
export const DirectionalLight = defineElement<LightProps>("DirectionalLight");
export const PointLight = defineElement<LightProps & { distance?: number; decay?: number }>("PointLight");
export const SpotLight = defineElement<LightProps & { angle?: number; penumbra?: number }>("SpotLight");
export const HemisphereLight = defineElement<LightProps & { groundColor?: string }>("HemisphereLight");
export const RectAreaLight = defineElement<LightProps & { width?: number; height?: number }>("RectAreaLight");
export const HemisphereLightStage = defineElement<LightProps>("HemisphereLightStage");

// ---- cameras and controls ----
export const OrbitControls = defineElement<CameraProps>("OrbitControls", "orbit-controls");
export const PerspectiveCamera = defineElement<CameraProps>("PerspectiveCamera", "perspective-camera");
export const OrthographicCamera = defineElement<CameraProps>("OrthographicCamera");
export const SceneCamera = defineElement<CameraProps>("SceneCamera", "SceneCamera");
export const SceneCameraControl = defineElement<CameraProps & { moveSpeed?: number }>(
  "SceneCameraControl",
  "SceneCameraControl",
);
export const CameraView = defineElement<
  CameraProps & {
    width?: number;
    height?: number;
    stream?: string;
    fps?: number;
    renderDepth?: boolean;
    downsample?: number;
  }
>("CameraView");
/** The component that answers GRAB_RENDER requests (key "DEFAULT"). */
export const GrabRender = defineElement<SceneElementProps>("GrabRender", "DEFAULT");

// ---- splats, physics, fog ----
export const Splat = defineElement<ModelProps>("Splat");
export const LumaSplats = defineElement<ModelProps>("Splats");
export const SparkSplats = defineElement<ModelProps>("SparkSplats");
export const VuerSplat = defineElement<ModelProps>("VuerSplat");
export const MuJoCo = defineElement<ModelProps & { workDir?: string; fps?: number }>("MuJoCo");
export const fog = defineElement<SceneElementProps & { attach?: string; args?: unknown[] }>("fog", "fog");

// ---- materials (lower-camel three.js tags) ----
export const meshStandardMaterial = defineElement<ElementProps>("meshStandardMaterial");
export const meshBasicMaterial = defineElement<ElementProps>("meshBasicMaterial");
export const meshPhongMaterial = defineElement<ElementProps>("meshPhongMaterial");
export const meshLambertMaterial = defineElement<ElementProps>("meshLambertMaterial");
export const meshPhysicalMaterial = defineElement<ElementProps>("meshPhysicalMaterial");

// ---- HTML panel elements ----
export const Div = defineElement<ElementProps & { style?: Record<string, unknown> }>("Div");
export const Span = defineElement<ElementProps & { text?: string }>("Span");
export const Button = defineElement<ElementProps & { value?: string }>("Button");
export const Slider = defineElement<ElementProps & { min?: number; max?: number; step?: number; value?: number }>(
  "Slider",
);
export const Input = defineElement<ElementProps & { value?: string; placeholder?: string }>("Input");
export const Markdown = defineElement<ElementProps>("Markdown");
export const Header1 = defineElement<ElementProps>("h1");
export const Header2 = defineElement<ElementProps>("h2");
export const Header3 = defineElement<ElementProps>("h3");
export const Paragraph = defineElement<ElementProps>("p");
export const Link = defineElement<ElementProps & { href?: string }>("a");
export const Page = defineElement<ElementProps>("article");
export const Iframe = defineElement<ElementProps & { src?: string }>("iframe");

/** `span("a", "b")` → `{text: "a b", tag: "Span"}`, as upstream joins its positional strings. */
export function span(...args: Array<string | (ElementProps & { sep?: string })>): Element {
  const texts = args.filter((a): a is string => typeof a === "string");
  const props = Object.assign({}, ...args.filter((a) => typeof a === "object")) as ElementProps & { sep?: string };
  const { sep = " ", ...rest } = props;
  return element("Span", { text: texts.join(sep), ...rest });
}

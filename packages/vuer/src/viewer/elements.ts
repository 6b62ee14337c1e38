import * as THREE from "three";
import { GLTFLoader } from "three/examples/jsm/loaders/GLTFLoader.js";
import { OBJLoader } from "three/examples/jsm/loaders/OBJLoader.js";
import { PCDLoader } from "three/examples/jsm/loaders/PCDLoader.js";
import { PLYLoader } from "three/examples/jsm/loaders/PLYLoader.js";
import { STLLoader } from "three/examples/jsm/loaders/STLLoader.js";
import type { SceneNode } from "../protocol/wire.js";
import { decodeUint32, toFloat32 } from "./float16.js";

/** What building an element needs from the viewer. */
export interface BuildContext {
  /** A model or image `src` resolved against the server's HTTP origin. */
  resolveUrl(src: string): string;
  /** Something finished loading (a texture, a model): draw again. */
  changed(): void;
  /** Sets (or with null clears) the scene background image. */
  setBackground(texture: THREE.Texture | null): void;
  /** Reports a load failure (shown in the page's status line). */
  error(message: string): void;
}

/** What the builder made for one element. */
export interface Built {
  object: THREE.Object3D | null;
  /** The tag is not one this viewer draws: `object` is a labelled placeholder. */
  placeholder: boolean;
}

/** Tags that draw nothing here (XR inputs, camera rigs, HTML, materials and geometries handled by their parent). */
const SILENT = new Set([
  "Scene",
  "Hands",
  "MotionControllers",
  "Body",
  "Head",
  "Gamepad",
  "SceneCamera",
  "SceneCameraControl",
  "CameraPreviewThumbs",
  "CameraPreviewOverlay",
  "OrbitControls",
  "PerspectiveCamera",
  "OrthographicCamera",
  "GrabRender",
  "CameraView",
  "fog",
  "Html",
]);

/** Tags that are plain containers: their children are drawn, they draw nothing themselves. */
const GROUPS = new Set(["VuerGroup", "group", "Group", "Movable", "Pivot", "object3D"]);

type GeometryMaker = (a: unknown[]) => THREE.BufferGeometry;
const num = (a: unknown[], i: number, d: number) => (typeof a[i] === "number" ? (a[i] as number) : d);

/** three.js primitives by tag; `args` are the geometry constructor's arguments, defaults as three's. */
const PRIMITIVES: Record<string, GeometryMaker> = {
  Box: (a) => new THREE.BoxGeometry(num(a, 0, 1), num(a, 1, 1), num(a, 2, 1), num(a, 3, 1), num(a, 4, 1), num(a, 5, 1)),
  Sphere: (a) =>
    new THREE.SphereGeometry(
      num(a, 0, 1),
      num(a, 1, 32),
      num(a, 2, 16),
      num(a, 3, 0),
      num(a, 4, Math.PI * 2),
      num(a, 5, 0),
      num(a, 6, Math.PI),
    ),
  Plane: (a) => new THREE.PlaneGeometry(num(a, 0, 1), num(a, 1, 1), num(a, 2, 1), num(a, 3, 1)),
  Cylinder: (a) =>
    new THREE.CylinderGeometry(
      num(a, 0, 1),
      num(a, 1, 1),
      num(a, 2, 1),
      num(a, 3, 32),
      num(a, 4, 1),
      a[5] === true,
      num(a, 6, 0),
      num(a, 7, Math.PI * 2),
    ),
  Capsule: (a) => new THREE.CapsuleGeometry(num(a, 0, 1), num(a, 1, 1), num(a, 2, 4), num(a, 3, 8)),
  Cone: (a) => new THREE.ConeGeometry(num(a, 0, 1), num(a, 1, 1), num(a, 2, 32), num(a, 3, 1), a[4] === true),
  Torus: (a) => new THREE.TorusGeometry(num(a, 0, 1), num(a, 1, 0.4), num(a, 2, 12), num(a, 3, 48)),
  TorusKnot: (a) =>
    new THREE.TorusKnotGeometry(num(a, 0, 1), num(a, 1, 0.4), num(a, 2, 64), num(a, 3, 8), num(a, 4, 2), num(a, 5, 3)),
  Circle: (a) => new THREE.CircleGeometry(num(a, 0, 1), num(a, 1, 32)),
  Ring: (a) => new THREE.RingGeometry(num(a, 0, 0.5), num(a, 1, 1), num(a, 2, 32)),
  Dodecahedron: (a) => new THREE.DodecahedronGeometry(num(a, 0, 1), num(a, 1, 0)),
  Icosahedron: (a) => new THREE.IcosahedronGeometry(num(a, 0, 1), num(a, 1, 0)),
  Octahedron: (a) => new THREE.OctahedronGeometry(num(a, 0, 1), num(a, 1, 0)),
  Tetrahedron: (a) => new THREE.TetrahedronGeometry(num(a, 0, 1), num(a, 1, 0)),
};

/** r3f-style geometry children of a `mesh`: `boxGeometry` → the Box primitive. */
const geometryOfTag = (tag: string): GeometryMaker | undefined =>
  /Geometry$/.test(tag) ? PRIMITIVES[tag[0]?.toUpperCase() + tag.slice(1, -"Geometry".length)] : undefined;

/** The element tags this viewer draws (beside containers and silent ones). */
export const DRAWN_TAGS: readonly string[] = [
  ...Object.keys(PRIMITIVES),
  "mesh",
  "PointCloud",
  "TriMesh",
  "Line",
  "Text",
  "Img",
  "Image",
  "ImageBackground",
  "SceneBackground",
  "Grid",
  "CoordsMarker",
  "AxesHelper",
  "Arrow",
  "AmbientLight",
  "DirectionalLight",
  "PointLight",
  "SpotLight",
  "HemisphereLight",
  "RectAreaLight",
  "HemisphereLightStage",
  "Glb",
  "Gltf",
  "Obj",
  "Ply",
  "Stl",
  "Pcd",
];

function color(v: unknown, fallback: THREE.ColorRepresentation): THREE.Color {
  try {
    if (Array.isArray(v) && v.length >= 3) return new THREE.Color(Number(v[0]), Number(v[1]), Number(v[2]));
    if (typeof v === "string" || typeof v === "number") return new THREE.Color(v);
  } catch {
    // an unknown colour name: the fallback
  }
  return new THREE.Color(fallback);
}

/** Material props: `material` map, then material child elements (`meshStandardMaterial`…), then `color`/`opacity`. */
function materialProps(n: SceneNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof n.material === "object" && n.material !== null) Object.assign(out, n.material);
  for (const c of n.children ?? []) if (typeof c === "object" && /Material$/.test(c.tag)) Object.assign(out, c);
  if (n.color !== undefined && out.color === undefined) out.color = n.color;
  for (const k of ["opacity", "wireframe", "transparent", "side"]) if (n[k] !== undefined) out[k] ??= n[k];
  return out;
}

function meshMaterial(n: SceneNode, vertexColors = false): THREE.Material {
  const p = materialProps(n);
  const type = String(n.materialType ?? (p.tag as string | undefined) ?? "standard").toLowerCase();
  const opts = {
    color: color(p.color, vertexColors ? "#ffffff" : "#9aa7b4"),
    wireframe: p.wireframe === true,
    transparent: p.transparent === true || (typeof p.opacity === "number" && p.opacity < 1),
    opacity: typeof p.opacity === "number" ? p.opacity : 1,
    side: p.side === 0 ? THREE.FrontSide : p.side === 1 ? THREE.BackSide : THREE.DoubleSide,
    vertexColors,
  };
  if (type.includes("basic")) return new THREE.MeshBasicMaterial(opts);
  if (type.includes("phong")) return new THREE.MeshPhongMaterial(opts);
  if (type.includes("lambert")) return new THREE.MeshLambertMaterial(opts);
  if (type.includes("normal")) return new THREE.MeshNormalMaterial({ wireframe: opts.wireframe, side: opts.side });
  return new THREE.MeshStandardMaterial({ ...opts, roughness: 0.6, metalness: 0.1 });
}

/** A text label on a canvas, as a camera-facing sprite `size` units tall. */
export function textSprite(text: string, fill: string, size: number, background?: string): THREE.Sprite {
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  const font = "48px system-ui, sans-serif";
  ctx.font = font;
  canvas.width = Math.max(8, Math.ceil(ctx.measureText(text).width) + 16);
  canvas.height = 64;
  ctx.font = font;
  if (background) {
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }
  ctx.fillStyle = fill;
  ctx.textBaseline = "middle";
  ctx.fillText(text, 8, 32);
  const map = new THREE.CanvasTexture(canvas);
  map.colorSpace = THREE.SRGBColorSpace;
  const sprite = new THREE.Sprite(new THREE.SpriteMaterial({ map, transparent: true, depthWrite: false }));
  sprite.scale.set((size * canvas.width) / canvas.height, size, 1);
  return sprite;
}

const MIME: Record<string, string> = { png: "image/png", jpeg: "image/jpeg", jpg: "image/jpeg", webp: "image/webp" };

/** An image `src`: bytes (PNG/JPEG, sniffed) or a URL / data: URL. Calls back with a loaded sRGB texture. */
function loadTexture(n: SceneNode, ctx: BuildContext, done: (t: THREE.Texture) => void): void {
  const src = n.src;
  let url: string | undefined;
  if (src instanceof Uint8Array) {
    const sniffed = src[0] === 0x89 ? "image/png" : src[0] === 0xff ? "image/jpeg" : undefined;
    const type = sniffed ?? MIME[String(n.format ?? "png").replace(/^b64/, "")] ?? "image/png";
    url = URL.createObjectURL(new Blob([src as Uint8Array<ArrayBuffer>], { type }));
  } else if (typeof src === "string" && src !== "") url = src.startsWith("data:") ? src : ctx.resolveUrl(src);
  if (!url) return;
  const blob = url.startsWith("blob:") ? url : undefined;
  new THREE.TextureLoader().load(
    url,
    (tex) => {
      tex.colorSpace = THREE.SRGBColorSpace;
      tex.anisotropy = 8; // small text in images (a console screenshot) stays legible at an angle
      if (blob) URL.revokeObjectURL(blob);
      done(tex);
      ctx.changed();
    },
    undefined,
    () => {
      if (blob) URL.revokeObjectURL(blob);
      ctx.error(`image ${n.key}: could not load`);
    },
  );
}

function pointCloud(n: SceneNode): THREE.Points {
  const g = new THREE.BufferGeometry();
  const pos = toFloat32(n.vertices);
  const count = pos ? Math.floor(pos.length / 3) : 0;
  if (pos)
    g.setAttribute(
      "position",
      new THREE.BufferAttribute(pos.length === count * 3 ? pos : pos.subarray(0, count * 3), 3),
    );
  const hasColors = setColors(g, n.colors, count);
  const size = typeof n.size === "number" ? n.size : 0.05;
  const material = new THREE.PointsMaterial({
    size,
    vertexColors: hasColors,
    color: hasColors ? 0xffffff : color(n.color, "#d7dde4"),
    sizeAttenuation: true,
  });
  g.computeBoundingSphere();
  const points = new THREE.Points(g, material);
  points.userData.pointCount = count;
  return points;
}

/** Uint8 RGB (or RGBA) colour bytes, or 0-1 floats, as a vertex colour attribute. */
function setColors(g: THREE.BufferGeometry, colors: unknown, count: number): boolean {
  if (count === 0) return false;
  if (colors instanceof Uint8Array) {
    const width =
      colors.byteLength >= count * 4 && colors.byteLength % 4 === 0 && colors.byteLength / 4 === count ? 4 : 3;
    if (colors.byteLength < count * width) return false;
    g.setAttribute("color", new THREE.BufferAttribute(colors, width, true));
    return true;
  }
  const f = Array.isArray(colors) || colors instanceof Float32Array ? toFloat32(colors) : undefined;
  if (!f || f.length < count * 3) return false;
  g.setAttribute("color", new THREE.BufferAttribute(f.subarray(0, count * 3), 3));
  return true;
}

function triMesh(n: SceneNode): THREE.Mesh {
  const g = new THREE.BufferGeometry();
  const pos = toFloat32(n.vertices);
  const count = pos ? Math.floor(pos.length / 3) : 0;
  if (pos) g.setAttribute("position", new THREE.BufferAttribute(pos.subarray(0, count * 3), 3));
  const faces =
    n.faces instanceof Uint8Array
      ? decodeUint32(n.faces)
      : Array.isArray(n.faces)
        ? Uint32Array.from((n.faces as unknown[]).flat() as number[])
        : undefined;
  if (faces) g.setIndex(new THREE.BufferAttribute(faces, 1));
  const uv = toFloat32(n.uv);
  if (uv && uv.length >= count * 2) g.setAttribute("uv", new THREE.BufferAttribute(uv.subarray(0, count * 2), 2));
  const hasColors = setColors(g, n.colors, count);
  g.computeVertexNormals();
  g.computeBoundingSphere();
  return new THREE.Mesh(g, meshMaterial(n, hasColors));
}

function line(n: SceneNode): THREE.Line {
  const pts = toFloat32(n.points) ?? new Float32Array(0);
  const g = new THREE.BufferGeometry();
  g.setAttribute("position", new THREE.BufferAttribute(pts.subarray(0, Math.floor(pts.length / 3) * 3), 3));
  return new THREE.Line(g, new THREE.LineBasicMaterial({ color: color(n.color, "#ffffff") }));
}

function light(n: SceneNode): THREE.Object3D {
  const c = color(n.color, "#ffffff");
  const i = (d: number) => (typeof n.intensity === "number" ? n.intensity : d);
  switch (n.tag) {
    case "AmbientLight":
      return new THREE.AmbientLight(c, i(0.5));
    case "DirectionalLight": {
      const l = new THREE.DirectionalLight(c, i(1));
      if (!Array.isArray(n.position)) l.position.set(1, 2, 1.5);
      return l;
    }
    case "PointLight":
      return new THREE.PointLight(c, i(1), num([n.distance], 0, 0), num([n.decay], 0, 2));
    case "SpotLight":
      return new THREE.SpotLight(
        c,
        i(1),
        num([n.distance], 0, 0),
        num([n.angle], 0, Math.PI / 3),
        num([n.penumbra], 0, 0),
      );
    case "HemisphereLight":
      return new THREE.HemisphereLight(c, color(n.groundColor, "#444444"), i(1));
    case "RectAreaLight":
      // RectAreaLight needs an extra uniforms library; a point light gives the same idea of where light comes from.
      return new THREE.PointLight(c, i(1));
    default: {
      // HemisphereLightStage: sky/ground fill plus a key light.
      const g = new THREE.Group();
      const key = new THREE.DirectionalLight(0xffffff, i(1.2));
      key.position.set(2, 4, 3);
      g.add(new THREE.HemisphereLight(0xffffff, 0x3a4048, i(1.2)), key);
      return g;
    }
  }
}

/** glTF/GLB, OBJ, PLY, STL and PCD models from `src` (a URL), `buff` (bytes) or `text`. */
function model(n: SceneNode, ctx: BuildContext): THREE.Group {
  const holder = new THREE.Group();
  const url = typeof n.src === "string" && n.src !== "" ? ctx.resolveUrl(n.src) : undefined;
  const bytes = n.buff instanceof Uint8Array ? n.buff : undefined;
  const data: ArrayBuffer | string | undefined = bytes
    ? bytes.slice().buffer
    : typeof n.text === "string"
      ? n.text
      : undefined;
  const mat = () => meshMaterial(n);
  const fromGeometry = (g: THREE.BufferGeometry): THREE.Object3D => {
    if (!g.index && !g.hasAttribute("normal") && n.tag === "Ply") {
      const colors = g.hasAttribute("color");
      return new THREE.Points(g, new THREE.PointsMaterial({ size: num([n.size], 0, 0.01), vertexColors: colors }));
    }
    if (!g.hasAttribute("normal")) g.computeVertexNormals();
    const hasColors = g.hasAttribute("color");
    return new THREE.Mesh(g, hasColors ? meshMaterial(n, true) : mat());
  };
  const place = (o: THREE.Object3D) => {
    holder.add(o);
    ctx.changed();
  };
  const fail = (e: unknown) => ctx.error(`${n.tag} ${n.key}: ${e instanceof Error ? e.message : String(e)}`);
  const text = (d: ArrayBuffer | string) => (typeof d === "string" ? d : new TextDecoder().decode(d));
  try {
    switch (n.tag) {
      case "Glb":
      case "Gltf": {
        const loader = new GLTFLoader();
        if (data !== undefined) loader.parse(data, url ?? "", (gltf) => place(gltf.scene), fail);
        else if (url) loader.load(url, (gltf) => place(gltf.scene), undefined, fail);
        break;
      }
      case "Obj": {
        const loader = new OBJLoader();
        if (data !== undefined) place(loader.parse(text(data)));
        else if (url) loader.load(url, place, undefined, fail);
        break;
      }
      case "Ply": {
        const loader = new PLYLoader();
        if (data !== undefined) place(fromGeometry(loader.parse(data)));
        else if (url) loader.load(url, (g) => place(fromGeometry(g)), undefined, fail);
        break;
      }
      case "Stl": {
        const loader = new STLLoader();
        if (data !== undefined) place(fromGeometry(loader.parse(data)));
        else if (url) loader.load(url, (g) => place(fromGeometry(g)), undefined, fail);
        break;
      }
      case "Pcd": {
        const loader = new PCDLoader();
        if (data instanceof ArrayBuffer) place(loader.parse(data));
        else if (url) loader.load(url, place, undefined, fail);
        break;
      }
    }
  } catch (e) {
    fail(e);
  }
  return holder;
}

function placeholder(n: SceneNode): THREE.Object3D {
  const g = new THREE.Group();
  const box = new THREE.LineSegments(
    new THREE.EdgesGeometry(new THREE.BoxGeometry(0.2, 0.2, 0.2)),
    new THREE.LineBasicMaterial({ color: 0xe0a040 }),
  );
  const label = textSprite(n.tag, "#1c232b", 0.08, "#e0a040");
  label.position.set(0, 0.18, 0);
  g.add(box, label);
  return g;
}

/** Builds the element's own object (its children are built by the viewer, which owns the tree). */
export function buildElement(n: SceneNode, ctx: BuildContext): Built {
  const args = Array.isArray(n.args) ? (n.args as unknown[]) : [];
  const primitive = PRIMITIVES[n.tag];
  if (primitive) return { object: new THREE.Mesh(primitive(args), meshMaterial(n)), placeholder: false };
  if (GROUPS.has(n.tag) || SILENT.has(n.tag) || /(Material|Geometry)$/.test(n.tag)) {
    return { object: null, placeholder: false };
  }
  switch (n.tag) {
    case "mesh": {
      const geo = (n.children ?? []).find((c) => typeof c === "object" && geometryOfTag(c.tag)) as
        | SceneNode
        | undefined;
      const make = geo && geometryOfTag(geo.tag);
      const geoArgs = geo && Array.isArray(geo.args) ? (geo.args as unknown[]) : [];
      return {
        object: new THREE.Mesh(make ? make(geoArgs) : PRIMITIVES.Box?.([]), meshMaterial(n)),
        placeholder: false,
      };
    }
    case "PointCloud":
      return { object: pointCloud(n), placeholder: false };
    case "TriMesh":
      return { object: triMesh(n), placeholder: false };
    case "Line":
      return { object: line(n), placeholder: false };
    case "Text":
    case "Text3D": {
      const text = (n.children ?? []).filter((c) => typeof c === "string").join("") || String(n.text ?? "");
      const sprite = textSprite(text, color(n.color, "#d7dde4").getStyle(), num([n.fontSize], 0, 0.2));
      return { object: sprite, placeholder: false };
    }
    case "Img":
    case "Image":
    case "VideoPlane": {
      const mesh = new THREE.Mesh(
        new THREE.PlaneGeometry(1, 1),
        new THREE.MeshBasicMaterial({
          side: THREE.DoubleSide,
          transparent: typeof n.opacity === "number",
          opacity: num([n.opacity], 0, 1),
        }),
      );
      const height = num([n.height], 0, 1);
      mesh.scale.set(height, height, 1);
      loadTexture(n, ctx, (tex) => {
        const img = tex.image as { width: number; height: number };
        mesh.material.map = tex;
        mesh.material.needsUpdate = true;
        mesh.scale.set((height * img.width) / img.height, height, 1);
      });
      return { object: mesh, placeholder: false };
    }
    case "ImageBackground":
    case "SceneBackground": {
      const anchor = new THREE.Group();
      let live = true;
      let texture: THREE.Texture | null = null;
      anchor.userData.dispose = () => {
        live = false;
        if (texture) ctx.setBackground(null);
      };
      loadTexture(n, ctx, (tex) => {
        if (!live) return tex.dispose();
        texture = tex;
        ctx.setBackground(tex);
      });
      return { object: anchor, placeholder: false };
    }
    case "Grid": {
      const size = num(args, 0, 20);
      return { object: new THREE.GridHelper(size, num(args, 1, size), 0x556677, 0x2e3944), placeholder: false };
    }
    case "CoordsMarker":
    case "AxesHelper":
      return { object: new THREE.AxesHelper(num(args, 0, 1)), placeholder: false };
    case "Arrow":
      return {
        object: new THREE.ArrowHelper(new THREE.Vector3(0, 0, 1), new THREE.Vector3(), 1, color(n.color, "#ffcc44")),
        placeholder: false,
      };
    case "AmbientLight":
    case "DirectionalLight":
    case "PointLight":
    case "SpotLight":
    case "HemisphereLight":
    case "RectAreaLight":
    case "HemisphereLightStage":
      return { object: light(n), placeholder: false };
    case "Glb":
    case "Gltf":
    case "Obj":
    case "Ply":
    case "Stl":
    case "Pcd":
      return { object: model(n, ctx), placeholder: false };
    default:
      return { object: placeholder(n), placeholder: true };
  }
}

/** Frees an element's GPU resources (geometries, materials, textures) and runs its own clean-up. */
export function disposeObject(o: THREE.Object3D): void {
  o.traverse((c) => {
    (c.userData.dispose as (() => void) | undefined)?.();
    const m = c as THREE.Mesh;
    m.geometry?.dispose?.();
    const mats = Array.isArray(m.material) ? m.material : m.material ? [m.material] : [];
    for (const mat of mats) {
      (mat as THREE.MeshBasicMaterial).map?.dispose();
      mat.dispose();
    }
  });
}

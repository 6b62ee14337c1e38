import { fromFloat16Bytes } from "@proj/vuer/schemas";
import * as THREE from "three";

/** A Vuer scene node as the client's SceneGraph holds it. */
interface Node {
  tag: string;
  key?: string;
  children?: Array<Node | string>;
  [prop: string]: unknown;
}

const vec = (v: unknown, d: [number, number, number]): [number, number, number] =>
  Array.isArray(v) && v.length >= 3 ? [Number(v[0]), Number(v[1]), Number(v[2])] : d;

function colorOf(n: Node, fallback = "#9aa7b4"): THREE.ColorRepresentation {
  const m = n.material as { color?: string } | undefined;
  return (m?.color ?? (n.color as string | undefined) ?? fallback) as THREE.ColorRepresentation;
}

function textSprite(text: string, color: string, size: number): THREE.Sprite {
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  ctx.font = "48px sans-serif";
  canvas.width = Math.ceil(ctx.measureText(text).width) + 16;
  canvas.height = 64;
  ctx.font = "48px sans-serif";
  ctx.fillStyle = color;
  ctx.textBaseline = "middle";
  ctx.fillText(text, 8, 32);
  const sprite = new THREE.Sprite(
    new THREE.SpriteMaterial({ map: new THREE.CanvasTexture(canvas), transparent: true }),
  );
  sprite.scale.set((size * canvas.width) / canvas.height, size, 1);
  return sprite;
}

/** Builds a three.js object for one element (and its children); unsupported tags become empty groups. */
/** Re-render hook for things that finish loading after the tree was built (image textures). */
let onAsyncLoad: () => void = () => {};

function build(n: Node, stats: { rendered: Set<string> }): THREE.Object3D {
  let obj: THREE.Object3D;
  const args = (Array.isArray(n.args) ? n.args : []) as number[];
  const mat = () => new THREE.MeshStandardMaterial({ color: colorOf(n) });
  switch (n.tag) {
    case "Box":
      obj = new THREE.Mesh(new THREE.BoxGeometry(...(args.length ? args : [1, 1, 1])), mat());
      break;
    case "Sphere":
      obj = new THREE.Mesh(new THREE.SphereGeometry(...(args.length ? args : [0.5, 24, 24])), mat());
      break;
    case "Plane":
      obj = new THREE.Mesh(new THREE.PlaneGeometry(...(args.length ? args : [1, 1])), mat());
      break;
    case "Cylinder":
      obj = new THREE.Mesh(new THREE.CylinderGeometry(...(args.length ? args : [0.5, 0.5, 1, 24])), mat());
      break;
    case "Torus":
      obj = new THREE.Mesh(new THREE.TorusGeometry(...(args.length ? args : [0.5, 0.2, 16, 48])), mat());
      break;
    case "Cone":
      obj = new THREE.Mesh(new THREE.ConeGeometry(...(args.length ? args : [0.5, 1, 24])), mat());
      break;
    case "PointCloud": {
      const g = new THREE.BufferGeometry();
      if (n.vertices instanceof Uint8Array)
        g.setAttribute("position", new THREE.BufferAttribute(fromFloat16Bytes(n.vertices), 3));
      const hasColors = n.colors instanceof Uint8Array;
      if (hasColors) g.setAttribute("color", new THREE.BufferAttribute(n.colors as Uint8Array, 3, true));
      obj = new THREE.Points(g, new THREE.PointsMaterial({ size: Number(n.size ?? 0.02), vertexColors: hasColors }));
      break;
    }
    case "Text": {
      const text = (n.children ?? []).filter((c) => typeof c === "string").join("");
      obj = textSprite(text, String(n.color ?? "#d7dde4"), Number(n.fontSize ?? 0.2));
      break;
    }
    case "ImageBackground":
    case "Image": {
      // Bytes (msgpack bin) or a URL; the plane takes the image's aspect once it has loaded.
      const src = n.src;
      const url =
        src instanceof Uint8Array
          ? URL.createObjectURL(new Blob([src as Uint8Array<ArrayBuffer>], { type: `image/${n.format ?? "png"}` }))
          : typeof src === "string"
            ? src
            : undefined;
      const mesh = new THREE.Mesh(
        new THREE.PlaneGeometry(1, 1),
        new THREE.MeshBasicMaterial({ side: THREE.DoubleSide }),
      );
      const height = Number(n.height ?? 1);
      if (url) {
        new THREE.TextureLoader().load(url, (tex) => {
          const img = tex.image as { width: number; height: number };
          tex.colorSpace = THREE.SRGBColorSpace; // PNG pixels are sRGB: without this dark consoles turn grey
          tex.anisotropy = 8; // keeps small text (the KVM console) sharp at an angle
          mesh.material.map = tex;
          mesh.material.needsUpdate = true;
          mesh.scale.set((height * img.width) / img.height, height, 1);
          if (url.startsWith("blob:")) URL.revokeObjectURL(url);
          onAsyncLoad();
        });
      }
      obj = mesh;
      break;
    }
    case "AmbientLight":
      obj = new THREE.AmbientLight(0xffffff, Number(n.intensity ?? 0.5));
      break;
    case "DirectionalLight":
      obj = new THREE.DirectionalLight(0xffffff, Number(n.intensity ?? 1));
      break;
    case "PointLight":
      obj = new THREE.PointLight(0xffffff, Number(n.intensity ?? 1));
      break;
    case "HemisphereLight":
    case "HemisphereLightStage":
      obj = new THREE.HemisphereLight(0xffffff, 0x444444, 1.2);
      break;
    case "Grid":
      obj = new THREE.GridHelper(10, 20, 0x445566, 0x2a333d);
      break;
    default:
      obj = new THREE.Group();
  }
  obj.name = n.key ?? "";
  if (n.key && obj.type !== "Group") stats.rendered.add(n.key);
  // Upstream's Group serialises as "VuerGroup"; three.js's plain one is "group".
  if ((n.tag === "VuerGroup" || n.tag === "group") && n.key) stats.rendered.add(n.key);
  obj.position.set(...vec(n.position, [obj.position.x, obj.position.y, obj.position.z]));
  obj.rotation.set(...vec(n.rotation, [0, 0, 0]));
  if (typeof n.scale === "number") obj.scale.setScalar(n.scale);
  for (const c of n.children ?? []) if (typeof c !== "string") obj.add(build(c, stats));
  return obj;
}

/** Renders a Vuer scene tree with three.js, rebuilding the object tree on every change (small scenes). */
export class SceneView {
  readonly renderer: THREE.WebGLRenderer | undefined;
  readonly camera = new THREE.PerspectiveCamera(50, 1, 0.05, 100);
  readonly scene = new THREE.Scene();
  /** Keys of the elements drawn in the last render (for tests and the legend). */
  rendered = new Set<string>();
  #root = new THREE.Group();
  #box: HTMLElement;

  constructor(box: HTMLElement) {
    this.#box = box;
    try {
      this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
      box.append(this.renderer.domElement);
    } catch {
      box.append(
        Object.assign(document.createElement("p"), { className: "muted", textContent: "WebGL is not available here." }),
      );
    }
    this.scene.background = new THREE.Color("#1c232b");
    this.scene.add(new THREE.AmbientLight(0xffffff, 0.35), this.#root);
    this.camera.position.set(2.6, 2.2, 3.2);
    this.camera.lookAt(0, 0.4, 0);
    new ResizeObserver(() => this.resize()).observe(box);
    onAsyncLoad = () => this.render();
    this.resize();
  }

  resize(): void {
    const w = this.#box.clientWidth || 300;
    const h = this.#box.clientHeight || 300;
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.renderer?.setSize(w, h);
    this.render();
  }

  update(root: Node): void {
    this.scene.remove(this.#root);
    this.#root = new THREE.Group();
    const stats = { rendered: new Set<string>() };
    for (const list of [root.bgChildren, root.children]) {
      for (const c of (Array.isArray(list) ? list : []) as Array<Node | string>) {
        if (typeof c !== "string") this.#root.add(build(c, stats));
      }
    }
    this.rendered = stats.rendered;
    this.scene.add(this.#root);
    this.render();
  }

  /** World position of a rendered element. */
  positionOf(key: string): [number, number, number] | undefined {
    const o = this.#root.getObjectByName(key);
    return o ? [o.position.x, o.position.y, o.position.z] : undefined;
  }

  render(): void {
    this.renderer?.render(this.scene, this.camera);
  }
}

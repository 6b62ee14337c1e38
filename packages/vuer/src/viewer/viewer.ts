import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { VuerClient, type VuerClientOptions } from "../client/vuer-client.js";
import type { SceneNode, ServerEvent } from "../protocol/wire.js";
import { type BuildContext, buildElement, disposeObject } from "./elements.js";

export interface VuerViewerOptions {
  /** The server's WebSocket URL (`ws://host:port`, upstream's `?ws=`). Ignored when `client` is given. */
  uri?: string;
  /** An existing client to draw (the viewer then neither connects nor closes it). */
  client?: VuerClient;
  /** Options for the client the viewer makes. Default: reconnect with backoff. */
  clientOptions?: VuerClientOptions;
  /** Least time between two CAMERA_MOVE events while the camera moves (the last pose is always sent). Default 50 ms. */
  cameraMoveIntervalMs?: number;
  /** Key of the CAMERA_MOVE events. Default "defaultCamera". */
  cameraKey?: string;
  /** Where the camera starts (else the scene's `camPosition` or `SceneCamera` position, else [3, 2.5, 4]). */
  cameraPosition?: [number, number, number];
  /** The point the camera orbits around. Default [0, 0.5, 0]. */
  cameraTarget?: [number, number, number];
  /** Canvas background colour when the scene sets none. Default "#1c232b". */
  background?: THREE.ColorRepresentation;
}

/** One drawn scene node: a holder for its transform, its own object, and its children. */
interface Entry {
  node: SceneNode;
  holder: THREE.Group;
  content: THREE.Object3D | null;
  placeholder: boolean;
  children: Map<string, Entry>;
}

const TRANSFORM = new Set(["key", "tag", "children", "position", "rotation", "scale", "quaternion", "matrix", "hide"]);
/** Lists of the Scene node drawn in 3D (htmlChildren are HTML panels, not drawn here). */
const DRAWN_LISTS = ["bgChildren", "children", "rawChildren"] as const;

const isNode = (c: unknown): c is SceneNode =>
  typeof c === "object" &&
  c !== null &&
  typeof (c as SceneNode).key === "string" &&
  typeof (c as SceneNode).tag === "string";

/** Whether the props that shape the element's own object (all but transform and children) are the same. */
function sameContent(a: SceneNode, b: SceneNode): boolean {
  if (a === b) return sameText(a, b);
  if (a.tag !== b.tag) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (TRANSFORM.has(k)) continue;
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (!(Array.isArray(x) && Array.isArray(y) && JSON.stringify(x) === JSON.stringify(y))) {
      if (!(isPlain(x) && isPlain(y) && JSON.stringify(x) === JSON.stringify(y))) return false;
    }
  }
  return sameText(a, b);
}
const isPlain = (v: unknown) => typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
/** Text children, and material/geometry children, are part of the element's own object. */
const ownChildren = (n: SceneNode) =>
  JSON.stringify(
    (n.children ?? []).filter((c) => typeof c === "string" || (isNode(c) && /(Material|Geometry)$/.test(c.tag))),
  );
const sameText = (a: SceneNode, b: SceneNode) => !(a.children || b.children) || ownChildren(a) === ownChildren(b);

const vec3 = (v: unknown): [number, number, number] | undefined =>
  Array.isArray(v) || ArrayBuffer.isView(v)
    ? (() => {
        const a = v as ArrayLike<number>;
        return a.length >= 3 ? [Number(a[0]), Number(a[1]), Number(a[2])] : undefined;
      })()
    : undefined;

function applyTransform(o: THREE.Object3D, n: SceneNode): void {
  const m = n.matrix;
  if ((Array.isArray(m) || ArrayBuffer.isView(m)) && (m as ArrayLike<number>).length === 16) {
    o.matrix.fromArray(Array.from(m as ArrayLike<number>, Number));
    o.matrix.decompose(o.position, o.quaternion, o.scale);
  } else {
    const p = vec3(n.position);
    o.position.set(...(p ?? [0, 0, 0]));
    const q = n.quaternion as ArrayLike<number> | undefined;
    if (q && q.length === 4) o.quaternion.set(Number(q[0]), Number(q[1]), Number(q[2]), Number(q[3]));
    else o.rotation.set(...(vec3(n.rotation) ?? [0, 0, 0]));
    if (typeof n.scale === "number") o.scale.setScalar(n.scale);
    else o.scale.set(...(vec3(n.scale) ?? [1, 1, 1]));
  }
  o.visible = n.hide !== true;
}

/**
 * A three.js viewer for any Vuer server: draws the scene the server's SET/ADD/UPSERT/UPDATE/REMOVE events
 * build (incrementally: only elements whose props changed are rebuilt), orbits with the mouse, and speaks the
 * client half of the protocol — INIT, CAMERA_MOVE while the camera moves (throttled), CLICK on objects,
 * GRAB_RENDER answered with a JPEG of the canvas. Reconnects and takes the server's scene again.
 */
export class VuerViewer {
  readonly client: VuerClient;
  /** Undefined where the browser has no WebGL: the scene is still tracked (and counted), nothing is drawn. */
  readonly renderer: THREE.WebGLRenderer | undefined;
  /** The canvas (or, without WebGL, the element saying so) the pointer drives. */
  readonly domElement: HTMLElement;
  readonly camera = new THREE.PerspectiveCamera(50, 1, 0.01, 1000);
  readonly scene = new THREE.Scene();
  readonly controls: OrbitControls;
  /** Keys of the elements drawn (containers included, silent ones such as XR inputs not). */
  rendered = new Set<string>();
  /** Keys of elements whose tag this viewer does not know, drawn as labelled placeholders. */
  placeholders = new Set<string>();
  /** Frames drawn so far. */
  frames = 0;
  /** Load or protocol errors, newest last (at most 20). */
  readonly errors: string[] = [];
  readonly #o: VuerViewerOptions;
  readonly #ownClient: boolean;
  readonly #roots = new Map<string, { group: THREE.Group; entries: Map<string, Entry> }>();
  readonly #byKey = new Map<string, Entry>();
  readonly #container: HTMLElement;
  readonly #offs: Array<() => void> = [];
  readonly #ctx: BuildContext;
  #frame = 0;
  #lastMove = 0;
  #moveTimer: ReturnType<typeof setTimeout> | undefined;
  #cameraPlaced = false;
  #background: THREE.Color;
  #resize: ResizeObserver | undefined;
  #closed = false;

  constructor(container: HTMLElement, options: VuerViewerOptions = {}) {
    this.#o = options;
    this.#container = container;
    this.#ownClient = !options.client;
    this.client =
      options.client ??
      new VuerClient({ uri: options.uri ?? "ws://localhost:8012", reconnect: true, ...options.clientOptions });
    try {
      this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
      this.renderer.setPixelRatio(globalThis.devicePixelRatio ?? 1);
      this.domElement = this.renderer.domElement;
    } catch {
      this.renderer = undefined;
      this.domElement = document.createElement("div");
      this.domElement.textContent = "WebGL is not available in this browser: the scene is received but not drawn.";
    }
    this.domElement.dataset.role = "vuer-canvas";
    this.domElement.style.display = "block";
    container.append(this.domElement);
    this.#background = new THREE.Color(options.background ?? "#1c232b");
    this.scene.background = this.#background;
    for (const l of DRAWN_LISTS) {
      const group = new THREE.Group();
      group.name = l;
      this.scene.add(group);
      this.#roots.set(l, { group, entries: new Map() });
    }
    this.camera.position.set(...(options.cameraPosition ?? [3, 2.5, 4]));
    this.#cameraPlaced = options.cameraPosition !== undefined;
    this.controls = new OrbitControls(this.camera, this.domElement);
    this.controls.target.set(...(options.cameraTarget ?? [0, 0.5, 0]));
    this.controls.update();
    this.controls.addEventListener("change", () => {
      this.requestRender();
      this.#cameraMoved();
    });
    this.#ctx = {
      resolveUrl: (src) => this.#resolveUrl(src),
      changed: () => this.requestRender(),
      setBackground: (t) => {
        this.scene.background = t ?? this.#background;
        this.requestRender();
      },
      error: (m) => this.#error(m),
    };
    this.#listenClicks();
    this.#offs.push(
      this.client.scene.on("change", () => this.#sync()),
      this.client.on("event", (ev) => this.#onEvent(ev)),
      this.client.on("open", () => this.#sendCamera()),
      this.client.on("error", (e) => this.#error(e.message)),
    );
    if (typeof ResizeObserver !== "undefined") {
      this.#resize = new ResizeObserver(() => this.resize());
      this.#resize.observe(container);
    }
    this.resize();
    this.#sync();
  }

  /** Connects the viewer's own client (INIT goes out first). Not needed when an open `client` was given. */
  async connect(): Promise<this> {
    await this.client.connect();
    return this;
  }

  /** Stops drawing, frees GPU resources and closes the client the viewer made. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offs) off();
    this.#resize?.disconnect();
    clearTimeout(this.#moveTimer);
    cancelAnimationFrame(this.#frame);
    this.controls.dispose();
    for (const r of this.#roots.values()) for (const e of r.entries.values()) this.#drop(e);
    this.renderer?.dispose();
    this.domElement.remove();
    if (this.#ownClient) await this.client.close();
  }

  /** Number of scene nodes the viewer holds an object for. */
  get elementCount(): number {
    return this.#byKey.size;
  }

  /** Points drawn by all point clouds. */
  get pointCount(): number {
    let n = 0;
    for (const e of this.#byKey.values()) n += Number(e.content?.userData.pointCount ?? 0);
    return n;
  }

  /** The three.js object of an element (its transform holder). */
  objectOf(key: string): THREE.Object3D | undefined {
    return this.#byKey.get(key)?.holder;
  }

  /** Position of an element as its props set it (parent-relative). */
  positionOf(key: string): [number, number, number] | undefined {
    const o = this.objectOf(key);
    return o ? [o.position.x, o.position.y, o.position.z] : undefined;
  }

  resize(): void {
    const w = this.#container.clientWidth || 300;
    const h = this.#container.clientHeight || 300;
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.renderer?.setSize(w, h);
    this.render();
  }

  /** Draws on the next animation frame (at most once per frame). */
  requestRender(): void {
    if (this.#frame || this.#closed) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.render();
    });
  }

  /** Draws now. */
  render(): void {
    if (this.#closed || !this.renderer) return;
    this.renderer.render(this.scene, this.camera);
    this.frames++;
  }

  /** A JPEG of the canvas, `downsample` times smaller (as GRAB_RENDER answers). */
  async grab(options: { quality?: number; downsample?: number } = {}): Promise<{
    frame: Uint8Array;
    width: number;
    height: number;
  }> {
    if (!this.renderer) throw new Error("WebGL is not available: nothing to grab");
    this.render();
    const src = this.renderer.domElement;
    const ds = Math.max(1, Number(options.downsample ?? 1) || 1);
    const width = Math.max(1, Math.round(src.width / ds));
    const height = Math.max(1, Math.round(src.height / ds));
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    (canvas.getContext("2d") as CanvasRenderingContext2D).drawImage(src, 0, 0, width, height);
    const q = Number(options.quality ?? 0.9);
    const blob = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (b) => (b ? resolve(b) : reject(new Error("toBlob failed"))),
        "image/jpeg",
        q > 0 && q <= 1 ? q : 0.9,
      ),
    );
    return { frame: new Uint8Array(await blob.arrayBuffer()), width, height };
  }

  // ---- scene ----

  #sync(): void {
    const root = this.client.scene.scene;
    this.#applyRoot(root);
    this.#byKey.clear();
    this.rendered = new Set();
    this.placeholders = new Set();
    for (const l of DRAWN_LISTS) {
      const r = this.#roots.get(l) as { group: THREE.Group; entries: Map<string, Entry> };
      const list = Array.isArray(root[l]) ? (root[l] as unknown[]) : [];
      r.entries = this.#reconcile(r.group, r.entries, list);
    }
    this.requestRender();
  }

  #applyRoot(root: SceneNode): void {
    if (root.background !== undefined && root.background !== null) {
      try {
        this.#background = new THREE.Color(root.background as THREE.ColorRepresentation);
      } catch {
        // not a colour: keep the default
      }
      if (this.scene.background instanceof THREE.Color) this.scene.background = this.#background;
    }
    const up = vec3(root.up);
    if (up) this.camera.up.set(...up);
    const cam = this.client.scene.find("SceneCamera");
    const camPos = vec3(root.camPosition) ?? vec3(cam?.position);
    if (camPos && !this.#cameraPlaced) {
      this.#cameraPlaced = true;
      this.camera.position.set(...camPos);
      this.controls.update();
    }
  }

  #reconcile(parent: THREE.Object3D, old: Map<string, Entry>, list: readonly unknown[]): Map<string, Entry> {
    const next = new Map<string, Entry>();
    for (const c of list) {
      if (!isNode(c)) continue;
      let id = c.key;
      for (let i = 1; next.has(id); i++) id = `${c.key}#${i}`; // ADD may repeat a key
      let e = old.get(id);
      if (e && !sameContent(e.node, c)) {
        if (e.content) {
          e.holder.remove(e.content);
          disposeObject(e.content);
        }
        e.content = null;
        this.#build(e, c);
      } else if (!e) {
        const holder = new THREE.Group();
        holder.name = c.key;
        holder.userData.vuerKey = c.key;
        holder.userData.vuerTag = c.tag;
        parent.add(holder);
        e = { node: c, holder, content: null, placeholder: false, children: new Map() };
        this.#build(e, c);
      }
      old.delete(id);
      e.node = c;
      e.holder.userData.vuerTag = c.tag;
      applyTransform(e.holder, c);
      e.children = this.#reconcile(e.holder, e.children, Array.isArray(c.children) ? c.children : []);
      next.set(id, e);
      if (!this.#byKey.has(c.key)) this.#byKey.set(c.key, e);
      if (e.content || e.children.size > 0 || /^(VuerGroup|group|Group|Movable|Pivot)$/.test(c.tag))
        this.rendered.add(c.key);
      if (e.placeholder) this.placeholders.add(c.key);
    }
    for (const e of old.values()) this.#drop(e);
    return next;
  }

  #build(e: Entry, n: SceneNode): void {
    try {
      const built = buildElement(n, this.#ctx);
      e.content = built.object;
      e.placeholder = built.placeholder;
      if (built.object) e.holder.add(built.object);
    } catch (err) {
      e.content = null;
      this.#error(`${n.tag} ${n.key}: ${(err as Error).message}`);
    }
  }

  #drop(e: Entry): void {
    e.holder.removeFromParent();
    disposeObject(e.holder);
  }

  #resolveUrl(src: string): string {
    try {
      const base = this.client.config.uri.replace(/^ws/i, "http");
      return new URL(src, base.endsWith("/") ? base : `${base}/`).href;
    } catch {
      return src;
    }
  }

  #error(message: string): void {
    this.errors.push(message);
    if (this.errors.length > 20) this.errors.shift();
  }

  // ---- protocol ----

  #onEvent(ev: ServerEvent): void {
    if (ev.etype === "GRAB_RENDER") void this.#answerGrab(ev);
  }

  async #answerGrab(ev: ServerEvent): Promise<void> {
    const started = performance.now();
    const data = (typeof ev.data === "object" && ev.data !== null ? ev.data : {}) as {
      quality?: number;
      downsample?: number;
    };
    try {
      const shot = await this.grab(data);
      await this.client.respond(ev, {
        ...shot,
        dpr: this.renderer?.getPixelRatio() ?? 1,
        delta: Math.round(performance.now() - started),
      });
    } catch (err) {
      this.#error(`GRAB_RENDER: ${(err as Error).message}`);
    }
  }

  #cameraMoved(): void {
    const wait = (this.#o.cameraMoveIntervalMs ?? 50) - (Date.now() - this.#lastMove);
    if (wait <= 0) {
      this.#sendCamera();
      return;
    }
    if (this.#moveTimer === undefined)
      this.#moveTimer = setTimeout(() => {
        this.#moveTimer = undefined;
        this.#sendCamera();
      }, wait);
  }

  #sendCamera(): void {
    if (this.#closed || !this.client.connected) return;
    this.#lastMove = Date.now();
    const c = this.camera;
    c.updateMatrixWorld();
    const r = { width: this.renderer?.domElement.width ?? 0, height: this.renderer?.domElement.height ?? 0 };
    this.client.sendNow({
      etype: "CAMERA_MOVE",
      key: this.#o.cameraKey ?? "defaultCamera",
      value: {
        matrix: c.matrixWorld.toArray(),
        position: c.position.toArray(),
        rotation: [c.rotation.x, c.rotation.y, c.rotation.z],
        target: this.controls.target.toArray(),
        fov: c.fov,
        aspect: c.aspect,
        near: c.near,
        far: c.far,
        zoom: c.zoom,
        width: r.width,
        height: r.height,
      },
    });
  }

  #listenClicks(): void {
    const el = this.domElement;
    let down: { x: number; y: number } | undefined;
    const raycaster = new THREE.Raycaster();
    raycaster.params.Points = { threshold: 0.05 };
    el.addEventListener("pointerdown", (e) => {
      down = { x: e.clientX, y: e.clientY };
    });
    el.addEventListener("pointerup", (e) => {
      if (!down || Math.hypot(e.clientX - down.x, e.clientY - down.y) > 4) return;
      down = undefined;
      const rect = el.getBoundingClientRect();
      const ndc = new THREE.Vector2(
        ((e.clientX - rect.left) / rect.width) * 2 - 1,
        -((e.clientY - rect.top) / rect.height) * 2 + 1,
      );
      raycaster.setFromCamera(ndc, this.camera);
      const targets = [...this.#roots.values()].map((r) => r.group);
      for (const hit of raycaster.intersectObjects(targets, true)) {
        if (hit.object.type === "GridHelper" || hit.object.type === "AxesHelper") continue;
        let o: THREE.Object3D | null = hit.object;
        while (o && o.userData.vuerKey === undefined) o = o.parent;
        if (!o) continue;
        this.client.sendNow({
          etype: "CLICK",
          key: o.userData.vuerKey as string,
          value: {
            key: o.userData.vuerKey,
            tag: o.userData.vuerTag,
            point: hit.point.toArray(),
            distance: hit.distance,
            button: e.button,
            ...(hit.index !== undefined ? { index: hit.index } : {}),
          },
        });
        return;
      }
    });
  }
}

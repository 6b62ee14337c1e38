import { describe, expect, test } from "vitest";
import {
  Box,
  DefaultScene,
  defaultBackground,
  float32ToFloat16Bits,
  fromFloat16Bits,
  fromFloat16Bytes,
  Group,
  Hands,
  OrbitControls,
  PointCloud,
  resetKeys,
  Scene,
  span,
  Text,
  toColorBytes,
  toFloat16Bits,
  toFloat16Bytes,
  toUint32Bytes,
  TriMesh,
} from "../src/schemas/index.js";

describe("float16", () => {
  test("known values, rounding to nearest even, subnormals, overflow, NaN", () => {
    const cases: Array<[number, number]> = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [65504, 0x7bff],
      [65519.99, 0x7bff],
      [65520, 0x7c00],
      [1e9, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie -> even (zero)
      [3 * 2 ** -26, 0x0001], // above the tie -> rounds up
      [1 + 2 ** -11, 0x3c00], // tie -> even
      [1 + 3 * 2 ** -11, 0x3c02], // tie -> even (up)
      [2047 * 2 ** -25, 0x0400], // subnormal rounding carries into the smallest normal
    ];
    for (const [v, bits] of cases) {
      expect(toFloat16Bits(v).toString(16), `double ${v}`).toBe(bits.toString(16));
      if (Math.fround(v) === v) expect(float32ToFloat16Bits(v).toString(16), `float32 ${v}`).toBe(bits.toString(16));
    }
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(Number.NaN) & 0x3ff).not.toBe(0);
  });

  test("doubles are rounded once, not through float32 (no double rounding)", () => {
    const v = 1 + 2 ** -11 + 2 ** -40; // just above a float16 tie; float32 would first round it onto the tie
    expect(toFloat16Bits(v)).toBe(0x3c01);
    expect(float32ToFloat16Bits(Math.fround(v))).toBe(0x3c00);
  });

  test("the float32 bit path and the double path agree on every float32-exact input tried", () => {
    const values = new Float32Array(20_000);
    let seed = 42;
    for (let i = 0; i < values.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      values[i] = ((seed / 0x7fffffff) * 2 - 1) * 2 ** ((i % 40) - 26);
    }
    const viaBits = toFloat16Bytes(values);
    const viaDouble = toFloat16Bytes(Array.from(values));
    expect(Buffer.from(viaBits).equals(Buffer.from(viaDouble))).toBe(true);
  });

  test("round trip through bytes, little-endian", () => {
    const bytes = toFloat16Bytes([
      [0, 0, 0],
      [1, 2, 3],
    ]);
    expect(Buffer.from(bytes).toString("hex")).toBe("000000000000003c00400042");
    expect(Array.from(fromFloat16Bytes(bytes))).toEqual([0, 0, 0, 1, 2, 3]);
    for (const h of [0x0001, 0x03ff, 0x0400, 0x3555, 0x7bff, 0xfc00]) expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h);
  });

  test("uint32 faces and colour bytes", () => {
    expect(Buffer.from(toUint32Bytes([[0, 1, 70000]])).toString("hex")).toBe("0000000001000000701101" + "00");
    expect(Array.from(toColorBytes([[1, 0.5, 0, 1]]))).toEqual([255, 127, 0]); // alpha dropped, truncation like numpy
    expect(Array.from(toColorBytes([2, -1, Number.NaN]))).toEqual([255, 0, 0]);
    const raw = new Uint8Array([1, 2, 3]);
    expect(toColorBytes(raw)).toBe(raw);
  });
});

describe("element builders", () => {
  test("serialise as upstream: children first, then key, tag, then the props given", () => {
    expect(Object.keys(Box({ args: [1, 1, 1], key: "b", position: [0, 1, 0] }))).toEqual([
      "key",
      "tag",
      "args",
      "position",
    ]);
    const g = Group({ key: "g", position: [1, 2, 3] }, Box({ key: "c" }));
    expect(g).toEqual({ children: [{ key: "c", tag: "Box" }], key: "g", tag: "VuerGroup", position: [1, 2, 3] });
    expect(Text("hello", { key: "t", fontSize: 0.2 })).toEqual({
      children: ["hello"],
      key: "t",
      tag: "Text",
      fontSize: 0.2,
    });
    expect(span("a", "b", { key: "s" })).toMatchObject({ text: "a b", tag: "Span", key: "s" });
  });

  test("automatic keys come from one counter; class default keys are used; class defaults are not sent", () => {
    resetKeys();
    expect(Box().key).toBe("0");
    expect(Box({ key: "mine" }).key).toBe("mine");
    expect(Box().key).toBe("1"); // the counter only advances when a key is generated
    expect(Hands()).toEqual({ key: "hands", tag: "Hands" });
    expect(OrbitControls()).toEqual({ key: "orbit-controls", tag: "OrbitControls" });
  });

  test("typed arrays in ordinary props become lists; undefined is left out; null is kept", () => {
    const el = Box({ key: "m", matrix: new Float32Array([1, 0, 0, 1]), color: undefined, material: null });
    expect(el).toEqual({ key: "m", tag: "Box", matrix: [1, 0, 0, 1], material: null });
  });

  test("Scene always sends up; extra lists only when non-empty", () => {
    expect(Scene({ key: "s" })).toEqual({ key: "s", tag: "Scene", up: [0, 1, 0] });
    const s = Scene(Box({ key: "b" }), { key: "s", up: [0, 0, 1], bgChildren: [], rawChildren: [Box({ key: "r" })] });
    expect(Object.keys(s)).toEqual(["children", "key", "tag", "up", "rawChildren"]);
  });

  test("DefaultScene puts upstream's nine background children first, exactly", () => {
    const s = DefaultScene(Box({ key: "b" }), { key: "scene", bgChildren: [Box({ key: "mine" })] });
    expect(s.children).toEqual([{ key: "b", tag: "Box" }]);
    expect(s.bgChildren).toEqual([
      { key: "grid", tag: "Grid" },
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
      { key: "mine", tag: "Box" },
    ]);
    expect(defaultBackground({ grid: false })).toHaveLength(8);
    expect((DefaultScene({ grid: false }).bgChildren as unknown[]).length).toBe(8);
  });

  test("PointCloud and TriMesh carry binary props", () => {
    const pc = PointCloud({ key: "pc", vertices: new Float32Array([0, 0, 0, 1, 2, 3]), size: 0.01 });
    expect(Object.keys(pc)).toEqual(["key", "tag", "vertices", "size"]);
    expect(pc.vertices).toBeInstanceOf(Uint8Array);
    const tm = TriMesh({ key: "tm", vertices: [[0, 0, 0]], faces: [[0, 0, 0]], colors: [[1, 1, 1]], uv: [[0, 1]] });
    expect(Object.keys(tm)).toEqual(["key", "tag", "vertices", "faces", "colors", "uv"]);
    expect((tm.faces as Uint8Array).byteLength).toBe(12);
    expect(Array.from(tm.colors as Uint8Array)).toEqual([255, 255, 255]);
  });
});

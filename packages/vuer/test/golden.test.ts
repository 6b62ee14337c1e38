import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  addEvent,
  ClientEvent,
  decodeFrame,
  encodeFrame,
  grabRenderEvent,
  hapticPulseEvent,
  removeEvent,
  setEvent,
  terminateEvent,
  updateEvent,
  upsertEvent,
} from "../src/index.js";
import { Box, DefaultScene, PointCloud, Scene, Sphere } from "../src/schemas/index.js";
import { HelloEvent } from "./helpers.js";

// Upstream's own frames, from the shared reference folder beside the repository (CI lays it there too).
const GOLDEN = fileURLToPath(new URL("../../../../shared/specs/vuer-golden-frames.txt", import.meta.url));
const ts = 1700000000123;

interface Golden {
  name: string;
  size: number;
  decoded: unknown;
  bytes: Uint8Array;
}

function readGolden(): Golden[] {
  const text = readFileSync(GOLDEN, "utf8");
  return text
    .split(/^### /m)
    .filter((s) => s.trim())
    .map((section) => {
      const [title = "", ...lines] = section.split("\n");
      const m = /^(.*?)\s+\((\d+) bytes\)/.exec(title);
      const decodedLine = lines.find((l) => l.startsWith("decoded: ")) ?? "";
      const hexLine = lines.find((l) => l.startsWith("hex: ")) ?? "";
      return {
        name: m?.[1]?.trim() ?? title,
        size: Number(m?.[2]),
        decoded: expectedValue(JSON.parse(decodedLine.slice("decoded: ".length))),
        bytes: Uint8Array.from(Buffer.from(hexLine.slice("hex: ".length).replace(/\s+/g, ""), "hex")),
      };
    });
}

/** What decoding must give: "<bin:hex>" strings are bytes, non-integers went through float32. */
function expectedValue(v: unknown): unknown {
  if (typeof v === "string") {
    const m = /^<bin:([0-9a-f]*)>$/.exec(v);
    return m ? Uint8Array.from(Buffer.from(m[1] as string, "hex")) : v;
  }
  if (typeof v === "number") return Number.isInteger(v) ? v : Math.fround(v);
  if (Array.isArray(v)) return v.map(expectedValue);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expectedValue(x)]));
  return v;
}

const UUID = "00000000-0000-0000-0000-000000000001";

/** Each golden frame built through the public API, the way a user would write it. */
const builders: Record<string, () => unknown> = {
  "UPSERT Box": () => upsertEvent(Box({ args: [0.3, 0.3, 0.3], key: "box", position: [0, 0.5, 0] }), { ts }),
  "SET Scene(Box)": () => setEvent(Scene(Box({ key: "b", args: [1, 1, 1] }), { key: "scene" }), { ts }),
  "ADD to parent": () => addEvent(Sphere({ key: "s1", args: [0.5] }), { to: "b", ts }),
  UPDATE: () => updateEvent(Box({ key: "b", position: [1, 2, 3] }), { ts }),
  REMOVE: () => removeEvent(["b", "s1"], { ts }),
  "PointCloud (float16 verts, uint8 colors)": () =>
    upsertEvent(
      PointCloud({
        key: "pc",
        vertices: [
          [0, 0, 0],
          [1, 2, 3],
        ],
        colors: new Uint8Array([255, 0, 0, 0, 0, 255]),
        size: 0.01,
      }),
      { ts },
    ),
  "GRAB_RENDER (RPC)": () => grabRenderEvent({ quality: 0.5 }, { uuid: UUID, ts }),
  TERMINATE: () => terminateEvent({ ts }),
  HAPTIC: () => hapticPulseEvent({ left: { strength: 0.5, duration: 100 } }, { ts }),
  "client INIT (as VuerClient sends it)": () =>
    new ClientEvent({
      etype: "INIT",
      value: {
        client: "python",
        clientVersion: "0.1.6",
        timezone: "UTC",
        timezoneOffset: 0,
        pythonVersion: "3.11.2",
        platform: "Linux",
        platformVersion: "6.1.0",
        machine: "x86_64",
      },
      ts,
    }).toWire(),
  "client HELLO subclass with value": () => new HelloEvent({ value: { message: "Hi!" }, ts }).toWire(),
};

const golden = readGolden();

describe("golden frames", () => {
  test("every golden frame has a builder", () => {
    expect(golden.map((g) => g.name).sort()).toEqual(Object.keys(builders).sort());
  });

  for (const g of golden) {
    test(`${g.name}: encodes byte for byte (${g.size} B)`, () => {
      const build = builders[g.name];
      expect(build).toBeDefined();
      const bytes = encodeFrame(build?.());
      expect(bytes.byteLength).toBe(g.size);
      expect(Buffer.from(bytes).toString("hex")).toBe(Buffer.from(g.bytes).toString("hex"));
    });

    test(`${g.name}: decodes to the same value`, () => {
      expect(decodeFrame(g.bytes)).toEqual(g.decoded);
    });
  }

  test("point cloud input shapes all give the golden bytes", () => {
    const expected = golden.find((g) => g.name.startsWith("PointCloud"))?.bytes as Uint8Array;
    const variants = [
      { vertices: new Float32Array([0, 0, 0, 1, 2, 3]), colors: [1, 0, 0, 0, 0, 1] },
      {
        vertices: [0, 0, 0, 1, 2, 3],
        colors: [
          [1, 0, 0, 0.5],
          [0, 0, 1, 0.5],
        ],
      },
    ];
    for (const v of variants) {
      const frame = encodeFrame(upsertEvent(PointCloud({ key: "pc", ...v, size: 0.01 }), { ts }));
      expect(Buffer.from(frame).equals(Buffer.from(expected))).toBe(true);
    }
  });

  test("the DefaultScene SET is 499 bytes, as in the live capture of upstream's seed example", () => {
    const frame = encodeFrame(setEvent(DefaultScene({ key: "2" }), { ts })); // upstream's counter key "2"
    expect(frame.byteLength).toBe(499);
    expect(decodeFrame(frame)).toEqual({ ts, data: DefaultScene({ key: "2" }), etype: "SET" });
  });
});

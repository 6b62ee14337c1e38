import { describe, expect, test } from "vitest";
import { type SceneChange, SceneGraph } from "../src/index.js";
import { Box, DefaultScene, Scene, Sphere } from "../src/schemas/index.js";

function graph() {
  const g = new SceneGraph();
  g.set(
    Scene(Box({ key: "b", args: [1, 1, 1], color: "red" }, Sphere({ key: "s", args: [0.5] })), {
      key: "scene",
      bgChildren: [{ tag: "Grid", key: "grid" }],
    }),
  );
  return g;
}

describe("SceneGraph operations", () => {
  test("SET replaces the whole scene", () => {
    const g = graph();
    const c = g.set(DefaultScene(Box({ key: "only" }), { key: "s2" }));
    expect(c).toEqual({ op: "SET", keys: ["s2"], missed: [] });
    expect(g.find("b")).toBeUndefined();
    expect(g.find("only")).toMatchObject({ tag: "Box" });
    expect(g.find("hands")).toMatchObject({ tag: "Hands" });
  });

  test("ADD appends to the root children, a root list, or a parent's children; no duplicate check", () => {
    const g = graph();
    g.add([Box({ key: "n1" })]);
    g.add([Box({ key: "n1" })]);
    g.add([Box({ key: "bg" })], "bgChildren");
    g.add([Box({ key: "deep" })], "s");
    expect((g.scene.children as unknown[]).filter((n: any) => n.key === "n1")).toHaveLength(2);
    expect((g.scene.bgChildren as any[]).map((n) => n.key)).toEqual(["grid", "bg"]);
    expect(g.find("s")?.children).toEqual([{ key: "deep", tag: "Box" }]);
    expect(g.add([Box({ key: "orphan" })], "missing")).toMatchObject({ keys: [], missed: ["orphan"] });
  });

  test("UPSERT shallow-merges an existing node wherever it is, or inserts under `to`", () => {
    const g = graph();
    g.upsert([Box({ key: "b", position: [1, 2, 3] })]);
    expect(g.find("b")).toMatchObject({ args: [1, 1, 1], color: "red", position: [1, 2, 3] });
    expect(g.find("s")).toBeDefined(); // children kept: the upsert did not send any
    g.upsert([Box({ key: "grid", visible: false })]); // found in bgChildren, not duplicated into children
    expect((g.scene.bgChildren as any[])[0]).toMatchObject({ key: "grid", tag: "Box", visible: false });
    g.upsert([Box({ key: "new" })], "b");
    expect((g.find("b")?.children ?? []).map((n) => (n as { key: string }).key)).toEqual(["s", "new"]);
    g.upsert([{ key: "b", tag: "Box", children: [] }]);
    expect(g.find("s")).toBeUndefined(); // a sent `children` replaces the old one
  });

  test("UPDATE changes existing nodes only; $delete removes a prop; strict replaces", () => {
    const g = graph();
    expect(g.update([Box({ key: "nope", color: "blue" })])).toMatchObject({ keys: [], missed: ["nope"] });
    expect(g.find("nope")).toBeUndefined();
    g.update([{ key: "b", tag: "Box", color: "$delete", position: [0, 1, 0] }]);
    expect(g.find("b")).not.toHaveProperty("color");
    expect(g.find("b")?.position).toEqual([0, 1, 0]);
    g.update([{ key: "s", tag: "Sphere", args: [2] }], true);
    expect(g.find("s")).toEqual({ key: "s", tag: "Sphere", args: [2] });
  });

  test("REMOVE deletes nodes at any depth in any root list; missing keys are fine", () => {
    const g = graph();
    const c = g.remove(["s", "grid", "ghost"]);
    expect(c).toEqual({ op: "REMOVE", keys: ["s", "grid"], missed: ["ghost"] });
    expect(g.find("s")).toBeUndefined();
    expect(g.find("grid")).toBeUndefined();
    expect(g.find("b")).toBeDefined();
  });

  test("apply() dispatches wire events and ignores others; change events and version follow", () => {
    const g = graph();
    const changes: SceneChange[] = [];
    g.on("change", (c) => changes.push(c));
    const v = g.version;
    g.apply({ etype: "UPSERT", ts: 0, data: { nodes: [{ key: "x", tag: "Box" }], to: null } });
    g.apply({ etype: "UPDATE", ts: 0, data: { nodes: [{ key: "x", tag: "Box", scale: 2 }] }, strict: false });
    g.apply({ etype: "REMOVE", ts: 0, data: { keys: ["x"] } });
    expect(g.apply({ etype: "NOOP", ts: 0, data: null })).toBeUndefined();
    expect(changes.map((c) => c.op)).toEqual(["UPSERT", "UPDATE", "REMOVE"]);
    expect(g.version).toBe(v + 3);
    expect([...g.nodes()].map((n) => n.key)).toEqual(["b", "s", "grid"]);
  });

  test("nodes handed in are never mutated", () => {
    const parent = Box({ key: "p", children: [] as never[] });
    const scene = Scene(parent, { key: "scene" });
    const before = JSON.stringify(scene);
    const g = new SceneGraph(scene);
    g.add([Box({ key: "c" })], "p");
    g.upsert([Box({ key: "p", position: [1, 1, 1] })]);
    expect(JSON.stringify(scene)).toBe(before);
  });

  test("malformed operations from the wire are skipped, never thrown", () => {
    const g = graph();
    const bad = [
      { etype: "SET", data: null },
      { etype: "SET", data: "x" },
      { etype: "ADD", data: { nodes: 5, to: 7 } },
      { etype: "UPSERT", data: { nodes: [null, 3, { tag: "Box" }, { key: "ok", tag: "Box" }] } },
      { etype: "UPDATE", data: "nope" },
      { etype: "REMOVE", data: { keys: "b" } },
      { etype: "REMOVE", data: { keys: [1, null, "s"] } },
    ];
    const changes = bad.map((ev) => g.apply(ev));
    expect(changes.map((c) => c?.keys)).toEqual([[], [], [], ["ok"], [], [], ["s"]]);
    expect(g.find("b")).toMatchObject({ tag: "Box" });
    expect(g.find("ok")).toMatchObject({ tag: "Box" });
    expect(g.find("s")).toBeUndefined();
  });
});

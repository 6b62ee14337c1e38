import { expect, test } from "vitest";
import { globMatch } from "../src/server/glob.js";

test("spawn filters match like fnmatch", () => {
  expect(globMatch("python", "python")).toBe(true);
  expect(globMatch("browser", "b*")).toBe(true);
  expect(globMatch("node", "b*")).toBe(false);
  expect(globMatch("node", "n?de")).toBe(true);
  expect(globMatch("node", "[mn]ode")).toBe(true);
  expect(globMatch("node", "[!n]ode")).toBe(false);
  expect(globMatch("a.b", "a.b")).toBe(true);
  expect(globMatch("axb", "a.b")).toBe(false); // "." is literal
  expect(globMatch("0.1.6", "0.1.*")).toBe(true);
  expect(globMatch("[x", "[x")).toBe(true); // an unclosed bracket is literal
});

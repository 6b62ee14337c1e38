import { defineProject, type UserWorkspaceConfig } from "vitest/config";

// Tests run from source: the "@proj/source" export condition resolves workspace packages to src/.
export const sourceConditions = ["@proj/source", "default"];

/** A package's vitest project: tests from `test/`, workspace packages resolved to their sources. */
export function packageProject(name: string, test: UserWorkspaceConfig["test"] = {}) {
  return defineProject({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: sourceConditions } },
    test: { name, include: ["test/**/*.test.ts"], testTimeout: 20_000, hookTimeout: 30_000, ...test },
  });
}

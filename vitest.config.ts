import { defineConfig } from "vitest/config";

// One test run for the whole workspace: each package and app is a project.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "apps/server/vitest.postgres.config.ts"],
  },
});

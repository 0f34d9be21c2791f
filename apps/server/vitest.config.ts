import { configDefaults, defineConfig } from "vitest/config";

// The multi-node suites need PostgreSQL and Redis: they run in the
// "@parley/server:postgres" project (vitest.postgres.config.ts).
export default defineConfig({
  test: {
    name: "@parley/server",
    exclude: [...configDefaults.exclude, "src/cluster/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

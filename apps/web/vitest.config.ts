import { defineConfig, mergeConfig } from "vitest/config";
import viteConfig from "./vite.config.ts";

/**
 * Component tests (src/**\/*.test.tsx) run in jsdom; end-to-end tests
 * (e2e/*.test.ts) run in node and drive real Chromium against the real server.
 */
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      name: "@parley/web",
      environment: "node",
      include: ["src/**/*.test.{ts,tsx}", "e2e/**/*.test.ts"],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      globalSetup: ["./e2e/global-setup.ts"],
      fileParallelism: false,
    },
  }),
);

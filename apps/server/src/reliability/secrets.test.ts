import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureServerBuilt, freePort } from "../test/index.ts";

/**
 * Secrets and configuration, against the production build: a weak setup
 * refuses to start with a message naming the problem; a good one starts.
 * Also the dependency floor check that CI runs.
 */

const dir = mkdtempSync(join(tmpdir(), "parley-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const repoRoot = resolve(import.meta.dirname, "../../../..");

function runProduction(env: Record<string, string>) {
  return spawnSync(process.execPath, [ensureServerBuilt()], {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", DATABASE_URL: join(dir, "prod.db"), PORT: "0", HOST: "127.0.0.1", ...env },
    encoding: "utf8",
    timeout: 15_000,
  });
}

describe("production start-up", () => {
  it.each([
    ["no SECRET_KEY", {}, /SECRET_KEY is required when NODE_ENV=production/],
    ["an empty SECRET_KEY", { SECRET_KEY: "   " }, /SECRET_KEY is required/],
    ["a short SECRET_KEY", { SECRET_KEY: "0123456789abcdef0123456789abcde" }, /SECRET_KEY must be at least 32 characters/],
    ["a default SECRET_KEY", { SECRET_KEY: "changeme" }, /SECRET_KEY/],
    ["bcrypt cost 9", { SECRET_KEY: "k".repeat(48), BCRYPT_COST: "9" }, /BCRYPT_COST must be at least 10 in production/],
    ["synchronous OFF", { SECRET_KEY: "k".repeat(48), SQLITE_SYNCHRONOUS: "OFF" }, /SQLITE_SYNCHRONOUS/],
  ])("exits non-zero with a clear message for %s", (_name, env, message) => {
    const r = runProduction(env);
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBeNull();
    expect(r.stderr).toMatch(message);
    // The message names the problem, and never echoes the secret itself.
    if ("SECRET_KEY" in env && env.SECRET_KEY.trim().length > 0) expect(r.stderr).not.toContain(env.SECRET_KEY);
  });

  it("starts with a strong secret and cost 10, and is not given the secret in its URL or logs", async () => {
    const secret = "a-strong-random-secret-for-this-test-only-0123456789";
    const port = await freePort();
    const child = spawn(process.execPath, [ensureServerBuilt()], {
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", DATABASE_URL: join(dir, "ok.db"), PORT: String(port), HOST: "127.0.0.1", SECRET_KEY: secret, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    try {
      const until = Date.now() + 15_000;
      let ok = false;
      while (!ok && Date.now() < until) {
        ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ok) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ok).toBe(true);
      expect(out).toContain("parley listening");
      expect(out).not.toContain(secret);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });
});

describe("dependency floors", () => {
  it("passes on the installed tree", () => {
    const r = spawnSync(process.execPath, [join(repoRoot, "scripts/check-deps.mjs")], { cwd: repoRoot, encoding: "utf8" });
    expect(r.stdout + r.stderr).toMatch(/ws .*ok/);
    expect(r.status).toBe(0);
  });

  it("fails, naming the package, when a lockfile holds a version below a floor", () => {
    const lock = join(dir, "pnpm-lock.yaml");
    writeFileSync(
      lock,
      [
        "lockfileVersion: '9.0'",
        "",
        "packages:",
        "",
        "  ws@8.17.0:",
        "    resolution: {integrity: sha512-x}",
        "",
        "  ws@8.18.3:",
        "    resolution: {integrity: sha512-x}",
        "",
        "  jsonwebtoken@8.5.1:",
        "    resolution: {integrity: sha512-x}",
        "",
        "  '@trpc/server@11.25.2':",
        "    resolution: {integrity: sha512-x}",
        "",
        "  solid-js@1.9.3:",
        "    resolution: {integrity: sha512-x}",
        "",
      ].join("\n"),
    );
    const r = spawnSync(process.execPath, [join(repoRoot, "scripts/check-deps.mjs"), "--lockfile", lock, "--no-node-modules"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/ws@8\.17\.0 .*below 8\.17\.1/);
    expect(out).toMatch(/jsonwebtoken@8\.5\.1 .*below 9\.0\.0/);
    expect(out).toMatch(/solid-js@1\.9\.3 .*below 1\.9\.4/);
    expect(out).not.toMatch(/@trpc\/server@11\.25\.2 .*below/);
  });
});

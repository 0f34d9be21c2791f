import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ServerProcess } from "@parley/client/testing";
import { afterAll, beforeAll } from "vitest";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI suites' shared setup: the built `parley` binary, a real server
 * process, a config folder per user under one temp home, and every
 * long-running child killed at the end. Call once at the top of a test file.
 */
export function useCli(tag: string) {
  const cliDir = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
  const bin = join(cliDir, "dist/parley.js");
  // No default room: these tests make their own "general" and name rooms by name.
  const server = new ServerProcess({ DEFAULT_ROOM: "" });
  const children: ChildProcess[] = [];
  let home = "";

  beforeAll(async () => {
    execFileSync(process.execPath, ["build.mjs"], { cwd: cliDir });
    await server.start();
    home = mkdtempSync(join(tmpdir(), `parley-cli-${tag}-`));
  });
  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    await server[Symbol.asyncDispose]();
    rmSync(home, { recursive: true, force: true });
  });

  const envFor = (user: string) => ({ PATH: process.env.PATH ?? "", PARLEY_URL: server.url, PARLEY_CONFIG: join(home, user) });

  /** Runs `parley …` to completion with `input` on its stdin (which, unlike arguments, can carry a NUL). */
  const parleyWithInput = (user: string, input: string, ...args: string[]): Promise<Run> =>
    new Promise((done) => {
      const child = execFile(process.execPath, [bin, ...args], { env: envFor(user), timeout: 20_000 }, (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      });
      child.stdin?.end(input);
    });

  /** Starts a long-running `parley …` (killed at the end) and collects its stdout lines. */
  const start = (user: string, ...args: string[]) => {
    const child = track(spawn(process.execPath, [bin, ...args], { env: envFor(user), stdio: ["ignore", "pipe", "pipe"] }));
    const lines: string[] = [];
    let stderr = "";
    let partial = "";
    child.stdout?.on("data", (c: Buffer) => {
      partial += c.toString();
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts);
    });
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    return { child, lines, stderr: () => stderr, exited };
  };

  /** Kills `child` at the end of the file, whatever the tests did. */
  const track = <C extends ChildProcess>(child: C): C => {
    children.push(child);
    return child;
  };

  return {
    bin,
    server,
    /** Known once the suite has started. */
    home: () => home,
    envFor,
    track,
    parley: (user: string, ...args: string[]) => parleyWithInput(user, "", ...args),
    parleyWithInput,
    start,
    until,
  };
}

/** Waits for `check`, failing after `ms`. */
export async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

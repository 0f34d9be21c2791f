import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The built `parley-admin` (dist/admin.js), run as a deployment runs it: a child process with the server's environment. */
const BIN = join(import.meta.dirname, "..", "..", "dist", "admin.js");
export const TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789";

export interface AdminRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runAdmin(args: string[], env: Record<string, string>, stdin = "", timeoutMs = 60_000): Promise<AdminRun> {
  if (!existsSync(BIN)) throw new Error("build apps/server first (pnpm test does)");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", SECRET_KEY: TEST_SECRET, BCRYPT_COST: "4", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`parley-admin ${args.join(" ")} still running after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const serverDir = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../../../apps/server");
const mainJs = join(serverDir, "dist/main.js");

/** Builds apps/server/dist/main.js if it is not there yet. */
export function ensureServerBuilt(): string {
  if (!existsSync(mainJs)) execFileSync(process.execPath, ["build.mjs"], { cwd: serverDir, stdio: "inherit" });
  return mainJs;
}

/**
 * The real server as a child process on a temporary SQLite file, so a test
 * can SIGKILL it and start it again on the same port with the same data.
 */
export class ServerProcess implements AsyncDisposable {
  readonly dir = mkdtempSync(join(tmpdir(), "parley-client-test-"));
  private child: ChildProcess | null = null;
  port = 0;
  log = "";

  constructor(private readonly env: Record<string, string> = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [ensureServerBuilt()], {
      cwd: this.dir,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "test",
        HOST: "127.0.0.1",
        PORT: String(this.port),
        DATABASE_URL: join(this.dir, "chat.db"),
        SECRET_KEY: "test-secret-key-that-is-long-enough-for-anything",
        BCRYPT_COST: "4",
        LOG_LEVEL: "info",
        ...this.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.port = await new Promise<number>((resolvePort, reject) => {
      const onData = (chunk: Buffer) => {
        this.log += chunk.toString();
        const m = /"port":(\d+).*"msg":"parley listening"/.exec(this.log);
        if (m) resolvePort(Number(m[1]));
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", (c: Buffer) => {
        this.log += c.toString();
      });
      child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening:\n${this.log}`)));
    });
  }

  /** Kills the process (SIGKILL by default: no graceful shutdown) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill(signal);
    await exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

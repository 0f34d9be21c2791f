import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Tokens } from "@parley/client";

export interface SavedLogin extends Tokens {
  username: string;
  userId: number;
}

type CredentialsFile = Record<string, SavedLogin>;

/**
 * Tokens per server in `<configDir>/credentials.json` (mode 0600). Every
 * `parley` process of a user shares them: each saves what it refreshed, reads
 * before refreshing, and refreshes under a lock file, so two processes never
 * spend the same refresh token (the server would revoke the session).
 */
export class CredentialStore {
  private readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, "credentials.json");
  }

  private readAll(): CredentialsFile {
    try {
      const data: unknown = JSON.parse(readFileSync(this.file, "utf8"));
      return typeof data === "object" && data !== null ? (data as CredentialsFile) : {};
    } catch {
      return {};
    }
  }

  get(server: string): SavedLogin | null {
    return this.readAll()[server] ?? null;
  }

  set(server: string, login: SavedLogin | null): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const all = this.readAll();
    if (login) all[server] = login;
    else delete all[server];
    // Write then rename: a reader never sees half a file.
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  /** Runs `fn` holding `<configDir>/refresh.lock`; a lock older than 30 s is taken as abandoned. */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const lock = join(this.dir, "refresh.lock");
    for (let waited = 0; ; waited += 50) {
      try {
        closeSync(openSync(lock, "wx", 0o600));
        break;
      } catch {
        const st = statSync(lock, { throwIfNoEntry: false });
        if (st && Date.now() - st.mtimeMs > 30_000) {
          unlinkSync(lock);
          continue;
        }
        if (waited > 20_000) throw new Error(`could not take ${lock}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    try {
      return await fn();
    } finally {
      try {
        unlinkSync(lock);
      } catch {}
    }
  }
}

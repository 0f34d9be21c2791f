import { ConfigError, loadConfig, type ServerConfig } from "../config.ts";
import { AdminError, backup, restore } from "./backup.ts";
import { doctor } from "./doctor.ts";

/**
 * `parley-admin`: operating a Parley deployment from the machine it runs on
 * (issue 18). It reads the server's own configuration (the same environment
 * variables, through config.ts) and works on the database directly, so it
 * lives beside the server rather than in apps/cli, which is a network client
 * signed in as a user.
 */

const USAGE = `usage: parley-admin <command>
  backup <file>     consistent copy of the SQLite database while the server runs (uploads to <file>.uploads/)
  restore <file>    put a backup in place of the database (stop the server first)
  doctor            check configuration, database integrity, migrations, storage consistency
  export <dir>      the workspace as NDJSON files (no secrets), uploaded files beside them
  import <path>     a Slack export ZIP, or a directory written by export, into a fresh database
  password <user>   set an account's password (read from stdin): imported accounts have none
Configuration comes from the same environment as the server (DATABASE_URL, UPLOADS_DIR, ...).`;

type Command = (config: ServerConfig, args: string[]) => Promise<string>;

const commands: Record<string, Command> = {
  async backup(config, [file]) {
    if (!file) throw new AdminError("backup needs a file name");
    const r = await backup(config, file);
    return `backed up ${r.pages} pages to ${file}${r.uploads ? ` and uploads to ${file}.uploads/` : ""}`;
  },
  async restore(config, [file]) {
    if (!file) throw new AdminError("restore needs a backup file");
    const r = restore(config, file);
    return `restored ${file}${r.uploads ? " and its uploads" : ""}; start the server`;
  },
  async doctor(config) {
    const checks = await doctor(config);
    const lines = checks.map((c) => `${c.ok ? "ok  " : "FAIL"} ${c.name}: ${c.detail}`);
    const failed = checks.filter((c) => !c.ok).length;
    if (failed > 0) throw new AdminError(`${lines.join("\n")}\n${failed} check(s) failed`);
    return lines.join("\n");
  },
  async export(config, [dir]) {
    if (!dir) throw new AdminError("export needs a directory");
    const { exportWorkspace } = await import("./export.ts");
    const counts = await exportWorkspace(config, dir);
    return `exported to ${dir}: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ")}`;
  },
  async import(config, [path]) {
    if (!path) throw new AdminError("import needs a Slack export ZIP or an export directory");
    const { importPath } = await import("./import.ts");
    const counts = await importPath(config, path);
    return `imported ${path}: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(", ")}`;
  },
  async password(config, [username]) {
    if (!username) throw new AdminError("password needs a username");
    const { setPassword } = await import("./password.ts");
    await setPassword(config, username, await readStdin());
    return `password set for ${username}`;
  },
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    console.error(USAGE);
    return name === undefined || name === "help" || name === "--help" ? 0 : 2;
  }
  let config: ServerConfig;
  try {
    config = loadConfig(process.env, (msg) => console.error(`parley-admin: ${msg}`));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`parley-admin: ${err.message}`);
      return 2;
    }
    throw err;
  }
  // The database's WAL checkpointer (a worker) and its stop timer do not hold the event loop open; in a
  // short command nothing else does, and closing the database would be cut short (exit 13). This holds it.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    console.log(await command(config, args));
    return 0;
  } catch (err) {
    if (err instanceof AdminError) {
      console.error(`parley-admin ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    clearInterval(keepAlive);
  }
}

process.exitCode = await main(process.argv.slice(2));

import { parseArgs } from "node:util";
import { errorCode } from "@parley/client";
import {
  createCommand,
  echoBotCommand,
  type Io,
  joinCommand,
  loginCommand,
  logoutCommand,
  roomsCommand,
  sendCommand,
  tailCommand,
} from "./commands.ts";
import { readEnv } from "./config.ts";
import { dmCommand } from "./dm.ts";
import { CliError } from "./session.ts";

const USAGE = `usage: parley [--server URL] <command>

  login [--username U] [--password P]        sign in (tokens kept in ~/.config/parley or $PARLEY_CONFIG)
  register --username U --email E [--password P]
  logout
  rooms [--json]                              list rooms
  create <name> [--private]
  join <room>
  tail <room> [-n 20] [--json]                print messages as they arrive (resumes after drops)
  send <room> <text…> [--timeout 30]          send one message; "-" reads it from stdin
  bot echo <room>                             an example bot: echoes what others say
  dm <user…> <text> [--timeout 30]            a direct message to one or more people (none but
                                              yourself: a note to self); "-" reads it from stdin

  <room> is a name or an id (#12). The server is --server, else $PARLEY_URL, else http://localhost:8001.`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

async function main(argv: string[]): Promise<number> {
  const { values: f, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: "string", short: "s" },
      username: { type: "string", short: "u" },
      password: { type: "string", short: "p" },
      email: { type: "string" },
      json: { type: "boolean", default: false },
      n: { type: "string", short: "n", default: "20" },
      timeout: { type: "string", default: "30" },
      private: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = args;
  if (f.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || f.help ? 0 : 2;
  }
  const env = readEnv(process.env, f.server);
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  const io: Io = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    stopped,
  };
  const need = (n: number, what: string) => {
    if (rest.length < n) throw new CliError(`usage: parley ${command} ${what}`, 2);
  };
  const room = () => rest[0] ?? "";

  switch (command) {
    case "login":
    case "register":
      await loginCommand(env, io, { username: f.username, password: f.password, email: f.email }, command === "register");
      return 0;
    case "logout":
      await logoutCommand(env, io);
      return 0;
    case "rooms":
      await roomsCommand(env, io, f.json);
      return 0;
    case "create":
      need(1, "<name>");
      await createCommand(env, io, rest.join(" "), f.private);
      return 0;
    case "join":
      need(1, "<room>");
      await joinCommand(env, io, room());
      return 0;
    case "tail":
      need(1, "<room>");
      await tailCommand(env, io, room(), Math.max(0, Number(f.n) || 0), f.json);
      return 0;
    case "send": {
      need(2, "<room> <text…>");
      const text = rest[1] === "-" && rest.length === 2 ? await readStdin() : rest.slice(1).join(" ");
      await sendCommand(env, io, room(), text, Math.max(1, Number(f.timeout) || 30) * 1000, f.json);
      return 0;
    }
    case "dm": {
      need(2, "<user…> <text>");
      const last = rest[rest.length - 1] ?? "";
      const text = last === "-" ? await readStdin() : last;
      const users = rest.slice(0, -1).flatMap((u) => u.split(",")).filter((u) => u !== "");
      await dmCommand(env, io, users, text, Math.max(1, Number(f.timeout) || 30) * 1000, f.json);
      return 0;
    }
    case "bot":
      if (rest[0] !== "echo" || !rest[1]) throw new CliError("usage: parley bot echo <room>", 2);
      await echoBotCommand(env, io, rest[1]);
      return 0;
    default:
      throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`parley: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    const code = errorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`parley: ${code ? `${code}: ` : ""}${message}\n`);
    process.exit(1);
  },
);

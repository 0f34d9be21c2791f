import { parseArgs } from "node:util";
import { errorCode } from "@parley/client";
import {
  createCommand,
  deleteCommand,
  echoBotCommand,
  editCommand,
  type Io,
  joinCommand,
  loginCommand,
  logoutCommand,
  reactCommand,
  roomsCommand,
  unreadCommand,
  sendCommand,
  tailCommand,
  threadCommand,
} from "./commands.ts";
import { readEnv } from "./config.ts";
import { dmCommand } from "./dm.ts";
import { searchCommand } from "./search.ts";
import { dashIdAsPositional, downloadCommand, sendFilesCommand } from "./files.ts";
import { botCreateCommand, botFileCommand, tokenCommand, webhookCreateCommand } from "./integrations.ts";
import { CliError } from "./session.ts";
import { writeLine } from "./terminal.ts";

const USAGE = `usage: parley [--server URL] <command>

  login [--username U] [--password P]        sign in (tokens kept in ~/.config/parley or $PARLEY_CONFIG)
  register --username U --email E [--password P]
  logout
  rooms [--json]                              list rooms
  unread [--json]                             rooms and followed threads with unread messages
  create <name> [--private]
  join <room>
  tail <room> [-n 20] [--json]                print messages as they arrive (resumes after drops)
  send <room> <text…> [--timeout 30]          send one message; "-" reads it from stdin
       [--thread <id> [--also-to-room]]         … as a reply in that message's thread
       [--file <path>]…                         … with files attached (text optional; with --thread too)
  download <fileId> [-o path|-]               save a file (to its own name here, never overwriting)
  thread <room> <id> [--json]                 print a thread: its root, then its replies
  edit <messageId> <text…> [--timeout 30]     replace the text of one of your messages; "-" reads it from stdin
  delete <messageId> [--timeout 30]           delete a message (yours, or any as a room admin)
  react <messageId> <emoji|:shortcode:> [--remove]
                                              react to a message (one emoji, e.g. 👍 or :thumbsup:)
  search <query…> [--room R] [-n 20] [--all] [--relevance] [--json]
                                              search the messages of your rooms: words, "a phrase", -exclude,
                                              from:user in:room in:@user before:/after:/on:YYYY-MM-DD has:link
                                              has:file is:thread mentions:me
  bot echo <room>                             an example bot: echoes what others say
  bot create <username> [--display-name N]    a bot account of yours
  bot <file>                                  run a bot: the file's default export gets a client
                                              (on $PARLEY_TOKEN if set, else your login)
  token create <name> [--scopes read,write] [--expires 30d] [--bot <bot>]
                                              a personal access token (printed once)
  token list [--json] | token revoke <id>
  webhook create <room> <name>                an incoming webhook's URL (POST {"text": …})
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
    args: dashIdAsPositional(argv),
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
      remove: { type: "boolean", default: false },
      thread: { type: "string" },
      "also-to-room": { type: "boolean", default: false },
      room: { type: "string" },
      all: { type: "boolean", default: false },
      relevance: { type: "boolean", default: false },
      file: { type: "string", short: "f", multiple: true },
      output: { type: "string", short: "o" },
      scopes: { type: "string" },
      expires: { type: "string" },
      bot: { type: "string" },
      "display-name": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [command, ...rest] = args;
  if (f.help || !command) {
    writeLine(process.stdout, USAGE);
    return command || f.help ? 0 : 2;
  }
  const env = readEnv(process.env, f.server);
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  // Every line goes through `writeLine`: most of what is printed came from the server.
  const io: Io = {
    out: (line) => writeLine(process.stdout, line),
    err: (line) => writeLine(process.stderr, line),
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
    case "unread":
      await unreadCommand(env, io, f.json);
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
      const threadId = f.thread === undefined ? undefined : /^#?(\d+)$/.exec(f.thread)?.[1];
      if (f.thread !== undefined && !threadId) throw new CliError(`--thread needs a message id, not "${f.thread}"`, 2);
      if (f["also-to-room"] && !threadId) throw new CliError("--also-to-room is for replies (--thread <id>)", 2);
      const thread = threadId ? { threadId: Number(threadId), alsoToRoom: f["also-to-room"] } : undefined;
      if (f.file && f.file.length > 0) {
        need(1, "<room> [text…] --file <path>");
        await sendFilesCommand(env, io, room(), rest.slice(1).join(" "), f.file, Math.max(1, Number(f.timeout) || 30) * 1000, f.json, thread);
        return 0;
      }
      need(2, "<room> <text…>");
      const text = rest[1] === "-" && rest.length === 2 ? await readStdin() : rest.slice(1).join(" ");
      await sendCommand(env, io, room(), text, Math.max(1, Number(f.timeout) || 30) * 1000, f.json, thread);
      return 0;
    }
    case "download":
      need(1, "<fileId> [-o path|-]");
      await downloadCommand(env, io, rest[0] ?? "", f.output, Math.max(1, Number(f.timeout) || 30) * 1000);
      return 0;
    case "edit": {
      need(2, "<messageId> <text…>");
      const text = rest[1] === "-" && rest.length === 2 ? await readStdin() : rest.slice(1).join(" ");
      await editCommand(env, io, rest[0] ?? "", text, Math.max(1, Number(f.timeout) || 30) * 1000, f.json);
      return 0;
    }
    case "delete":
      need(1, "<messageId>");
      await deleteCommand(env, io, rest[0] ?? "", Math.max(1, Number(f.timeout) || 30) * 1000, f.json);
      return 0;
    case "react":
      need(2, "<messageId> <emoji|:shortcode:> [--remove]");
      await reactCommand(env, io, rest[0] ?? "", rest.slice(1).join(" "), {
        remove: f.remove,
        timeoutMs: Math.max(1, Number(f.timeout) || 30) * 1000,
        json: f.json,
      });
      return 0;
    case "thread":
      need(2, "<room> <messageId>");
      await threadCommand(env, io, room(), rest[1] ?? "", f.json);
      return 0;
    case "dm": {
      need(2, "<user…> <text>");
      const last = rest[rest.length - 1] ?? "";
      const text = last === "-" ? await readStdin() : last;
      const users = rest.slice(0, -1).flatMap((u) => u.split(",")).filter((u) => u !== "");
      await dmCommand(env, io, users, text, Math.max(1, Number(f.timeout) || 30) * 1000, f.json);
      return 0;
    }
    case "search":
      need(1, "<query…>");
      await searchCommand(env, io, rest.join(" "), { room: f.room, max: Math.max(1, Number(f.n) || 20), all: f.all, relevance: f.relevance, json: f.json });
      return 0;
    case "bot":
      if (rest[0] === "echo" && rest[1]) await echoBotCommand(env, io, rest[1]);
      else if (rest[0] === "create" && rest[1]) await botCreateCommand(env, io, rest[1], f["display-name"]);
      else if (rest[0] && rest.length === 1) await botFileCommand(env, io, rest[0]);
      else throw new CliError("usage: parley bot echo <room> | create <username> | <file>", 2);
      return 0;
    case "token":
      await tokenCommand(env, io, rest, { scopes: f.scopes, expires: f.expires, bot: f.bot, json: f.json });
      return 0;
    case "webhook":
      if (rest[0] !== "create" || !rest[1] || !rest[2]) throw new CliError("usage: parley webhook create <room> <name>", 2);
      await webhookCreateCommand(env, io, rest[1], rest.slice(2).join(" "));
      return 0;
    default:
      throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof CliError) {
      writeLine(process.stderr, `parley: ${err.message}`);
      process.exit(err.exitCode);
    }
    const code = errorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    writeLine(process.stderr, `parley: ${code ? `${code}: ` : ""}${message}`);
    process.exit(1);
  },
);

import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UploadError } from "@parley/client";
import type { CliEnv } from "./config.ts";
import { type Io, within } from "./commands.ts";
import { CliError, openClient, resolveRoom } from "./session.ts";

/**
 * `parley send <room> [text…] --file <path>… [--thread <id> [--also-to-room]]`: uploads each file
 * (streamed from disk), then sends once with them attached, as a thread reply with `thread`.
 */
export async function sendFilesCommand(
  env: CliEnv,
  io: Io,
  ref: string,
  text: string,
  paths: readonly string[],
  timeoutMs: number,
  json: boolean,
  thread?: { threadId: number; alsoToRoom: boolean },
) {
  for (const p of paths) {
    const s = await stat(p).catch(() => null);
    if (!s?.isFile()) throw new CliError(`${p}: not a file`, 2);
  }
  const client = await openClient(env, timeoutMs);
  try {
    const room = await resolveRoom(client, ref);
    const ids: string[] = [];
    for (const p of paths) {
      const f = await client.upload(createReadStream(p), { name: basename(p) }).catch((err: unknown) => {
        if (err instanceof UploadError) throw new CliError(`${p}: refused (${err.code}): ${err.message}`);
        throw err;
      });
      ids.push(f.id);
    }
    const sending = thread
      ? client.reply(room.id, thread.threadId, text, { alsoToRoom: thread.alsoToRoom, attachments: ids })
      : client.send(room.id, text, { attachments: ids });
    const m = await within(sending, timeoutMs, "message");
    const files = `${m.attachments.length} file${m.attachments.length === 1 ? "" : "s"}`;
    io.out(json ? JSON.stringify(m) : `sent #${m.id} to ${room.name}${m.threadId === null ? "" : ` in thread #${m.threadId}`} with ${files}`);
  } finally {
    await client.close();
  }
}

/** A file id as the server makes it (`fileIdSchema` in @parley/api, whose zod the CLI does not bundle). */
const FILE_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Ids made before 2026-12-04 may start with "-", which `parseArgs` reads as options: such an id after
 * `download` moves behind `--`, so `parley download -Ab…` works as typed. Only a whole 22-character
 * id right after the command: no option of ours is that long, and anything else is left as it is.
 */
export function dashIdAsPositional(argv: readonly string[]): string[] {
  const at = argv.indexOf("download");
  const id = at < 0 ? undefined : argv[at + 1];
  if (id === undefined || !id.startsWith("-") || !FILE_ID.test(id) || argv.includes("--")) return [...argv];
  return [...argv.slice(0, at + 1), ...argv.slice(at + 2), "--", id];
}

/** The name in `Content-Disposition` (RFC 6266 `filename*` first), reduced to a plain file name. */
export function dispositionName(header: string | null): string {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header ?? "")?.[1];
  let name = "download";
  if (star) {
    try {
      name = decodeURIComponent(star);
    } catch {}
  } else {
    name = /filename="([^"]*)"/i.exec(header ?? "")?.[1] ?? name;
  }
  // Never a path: the server's name must not choose where the file lands.
  const plain = basename(name.replace(/\\/g, "/")).replace(/^\.+/, "");
  return plain === "" ? "download" : plain;
}

/** `parley download <fileId> [-o path|-]`: to the file's own name in the current directory (never overwriting), or `-o`. */
export async function downloadCommand(env: CliEnv, io: Io, fileId: string, output: string | undefined, timeoutMs: number) {
  if (!FILE_ID.test(fileId)) throw new CliError(`"${fileId}" is not a file id`, 2);
  const client = await openClient(env, timeoutMs);
  try {
    const res = await client.download(fileId).catch((err: unknown) => {
      if (err instanceof UploadError && err.status === 404) throw new CliError("no such file (or not yours to see)");
      throw err;
    });
    if (!res.body) throw new CliError("the server sent no body");
    const body = Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]);
    if (output === "-") {
      await pipeline(body, process.stdout);
      return;
    }
    const path = output ?? dispositionName(res.headers.get("content-disposition"));
    await pipeline(body, createWriteStream(path, { flags: output === undefined ? "wx" : "w" })).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "EEXIST") throw new CliError(`${path} exists: pass -o to choose where to write`);
      throw err;
    });
    io.err(`saved ${path}`);
  } finally {
    await client.close();
  }
}

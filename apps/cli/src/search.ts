import { errorCode, type SearchHit, type SearchPage } from "@parley/client";
import type { Io } from "./commands.ts";
import type { CliEnv } from "./config.ts";
import { CliError, openClient, resolveRoom } from "./session.ts";

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/** One result per line: `#id  2026-12-02 10:15  #general  alice: text`, the matches in [brackets]. */
export function formatHit(hit: SearchHit): string {
  const { message, room } = hit;
  let text = "";
  let at = 0;
  for (const h of hit.highlights) {
    text += `${message.content.slice(at, h.start)}[${message.content.slice(h.start, h.end)}]`;
    at = h.end;
  }
  text += message.content.slice(at);
  const where = room.kind === "dm" ? "(dm)" : `#${room.name}`;
  return `#${message.id}\t${stamp(message.createdAt)}\t${where}\t${message.sender?.username ?? "*"}: ${text.replace(/\s*\n\s*/g, " ")}`;
}

/**
 * `parley search <query…>`: the newest `max` matches (every one with `--all`),
 * page by page. A malformed query is the server's BAD_REQUEST, printed as is
 * (it says where the query is wrong).
 */
export async function searchCommand(
  env: CliEnv,
  io: Io,
  query: string,
  opts: { room?: string | undefined; max: number; all: boolean; relevance: boolean; json: boolean },
) {
  const client = await openClient(env, 15_000);
  try {
    const roomId = opts.room === undefined ? undefined : (await resolveRoom(client, opts.room)).id;
    let cursor: string | null = null;
    let shown = 0;
    let indexing = false;
    do {
      const limit = opts.all ? 100 : Math.min(100, opts.max - shown);
      if (limit <= 0) break;
      const page: SearchPage = await client
        .search(query, { ...(roomId === undefined ? {} : { roomId }), limit, cursor, sort: opts.relevance ? "relevance" : "newest" })
        .catch((err: unknown) => {
          if (errorCode(err) === "BAD_REQUEST") throw new CliError(err instanceof Error ? err.message : String(err), 2);
          throw err;
        });
      indexing ||= page.indexing;
      for (const hit of page.items) io.out(opts.json ? JSON.stringify(hit) : formatHit(hit));
      shown += page.items.length;
      cursor = page.nextCursor;
    } while (cursor !== null);
    if (shown === 0 && !opts.json) io.err("no messages found");
    if (cursor !== null && !opts.json) io.err(`more results: -n ${opts.max * 2}, or --all`);
    if (indexing) io.err("the server is still indexing older messages: some may be missing");
  } finally {
    await client.close();
  }
}

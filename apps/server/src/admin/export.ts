import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Database, Kysely } from "@parley/db";
import type { ServerConfig } from "../config.ts";
import { AdminError } from "./backup.ts";
import { EXPORT_FORMAT, EXPORT_VERSION, type FileName } from "./format.ts";
import { NdjsonWriter } from "./ndjson.ts";
import { openDatabase } from "./open.ts";
import { uploadsDirectory } from "./storage.ts";

type Db = Kysely<Database>;
const PAGE = 1000;

/** Every row of a table in key order, a page at a time (an export can be larger than memory). */
async function* paged<T>(fetch: (after: number) => Promise<T[]>, keyOf: (row: T) => number): AsyncGenerator<T> {
  let after = 0;
  for (;;) {
    const rows = await fetch(after);
    for (const r of rows) yield r;
    const last = rows[rows.length - 1];
    if (rows.length < PAGE || last === undefined) return;
    after = keyOf(last);
  }
}

const n = (v: number | string | bigint) => Number(v);
const nn = (v: number | string | bigint | null) => (v === null ? null : Number(v));

async function writeUsers(db: Db, w: NdjsonWriter) {
  for await (const u of paged((after) => db.selectFrom("users").selectAll().where("id", ">", after).orderBy("id").limit(PAGE).execute(), (u) => n(u.id))) {
    // No password hash, sessions or tokens: an export holds no secrets.
    await w.write({ id: n(u.id), username: u.username, email: u.email, role: u.role, createdAt: n(u.created_at), deactivatedAt: nn(u.deactivated_at) });
  }
}

async function writeRooms(db: Db, w: NdjsonWriter) {
  for await (const r of paged((after) => db.selectFrom("rooms").selectAll().where("id", ">", after).orderBy("id").limit(PAGE).execute(), (r) => n(r.id))) {
    await w.write({
      id: n(r.id),
      name: r.name,
      description: r.description,
      isPrivate: n(r.is_private) === 1,
      kind: r.kind,
      dmKey: r.dm_key,
      createdBy: n(r.created_by),
      createdAt: n(r.created_at),
      deletedAt: nn(r.deleted_at),
      slowModeSeconds: n(r.slow_mode_seconds),
    });
  }
}

async function writeMembers(db: Db, w: NdjsonWriter) {
  const rows = await db.selectFrom("room_members").selectAll().orderBy("room_id").orderBy("user_id").execute();
  for (const m of rows) await w.write({ roomId: n(m.room_id), userId: n(m.user_id), isAdmin: n(m.is_admin) === 1, joinedAt: n(m.joined_at) });
}

async function writeMessages(db: Db, w: NdjsonWriter) {
  const page = (after: number) => db.selectFrom("messages").selectAll().where("id", ">", after).orderBy("id").limit(PAGE).execute();
  for await (const m of paged(page, (m) => n(m.id))) {
    const revisions =
      n(m.rev) > 1
        ? await db.selectFrom("message_revisions").select(["rev", "content", "created_at", "replaced_at"]).where("message_id", "=", m.id).orderBy("rev").execute()
        : [];
    await w.write({
      id: n(m.id),
      roomId: n(m.room_id),
      senderId: nn(m.sender_id),
      kind: m.kind,
      content: m.content,
      clientId: m.client_id,
      createdAt: n(m.created_at),
      editedAt: nn(m.edited_at),
      rev: n(m.rev),
      deletedAt: nn(m.deleted_at),
      threadId: nn(m.thread_id),
      inRoom: n(m.in_room) === 1,
      revisions: revisions.map((r) => ({ rev: n(r.rev), content: r.content, createdAt: n(r.created_at), replacedAt: n(r.replaced_at) })),
    });
  }
}

async function writeReactions(db: Db, w: NdjsonWriter) {
  const rows = await db.selectFrom("reactions").selectAll().orderBy("message_id").orderBy("created_at").orderBy("user_id").orderBy("emoji").execute();
  for (const r of rows) await w.write({ messageId: n(r.message_id), emoji: r.emoji, userId: n(r.user_id), createdAt: n(r.created_at) });
}

async function writeThreads(db: Db, w: NdjsonWriter) {
  const roots = await db.selectFrom("messages").select(["id", "reply_count", "last_reply_at"]).where("reply_count", ">", 0).orderBy("id").execute();
  for (const root of roots) {
    const participants = await db.selectFrom("thread_participants").select(["user_id", "first_at"]).where("root_id", "=", root.id).orderBy("first_at").orderBy("user_id").execute();
    await w.write({
      rootId: n(root.id),
      replyCount: n(root.reply_count),
      lastReplyAt: nn(root.last_reply_at),
      participants: participants.map((p) => ({ userId: n(p.user_id), firstAt: n(p.first_at) })),
    });
  }
}

/** Uploaded files, listed with their sizes (and copied to `files/`). */
async function writeAttachments(uploads: string | null, dir: string, w: NdjsonWriter) {
  if (!uploads || !existsSync(uploads)) return;
  cpSync(uploads, join(dir, "files"), { recursive: true });
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const file of walk(uploads).sort()) await w.write({ path: relative(uploads, file), size: statSync(file).size });
}

/**
 * Writes the workspace to `dir` (created; must be empty): users without
 * secrets, rooms, members, messages with their edits, reactions, threads,
 * and the uploaded files. It reads a live database; for a copy as of one
 * instant, export a backup (`DATABASE_URL=backup.db parley-admin export`).
 */
export async function exportWorkspace(config: ServerConfig, dir: string): Promise<Record<FileName, number>> {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new AdminError(`${dir} is not empty`);
  mkdirSync(dir, { recursive: true });
  const handle = await openDatabase(config, { migrated: true });
  const counts = {} as Record<FileName, number>;
  const write = async (name: FileName, fill: (w: NdjsonWriter) => Promise<void>) => {
    const w = new NdjsonWriter(join(dir, `${name}.ndjson`));
    try {
      await fill(w);
    } finally {
      await w.close();
    }
    counts[name] = w.count;
  };
  try {
    const db = handle.db;
    await write("users", (w) => writeUsers(db, w));
    await write("rooms", (w) => writeRooms(db, w));
    await write("members", (w) => writeMembers(db, w));
    await write("messages", (w) => writeMessages(db, w));
    await write("reactions", (w) => writeReactions(db, w));
    await write("threads", (w) => writeThreads(db, w));
    await write("attachments", (w) => writeAttachments(uploadsDirectory(config), dir, w));
  } finally {
    await handle.close();
  }
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: Date.now() }, null, 2)}\n`);
  return counts;
}

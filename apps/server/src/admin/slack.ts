import { z } from "zod";
import type { FILES, FileName, MessageRecord, RoomRecord, UserRecord } from "./format.ts";

/**
 * A Slack export (the ZIP of Slack's "Export data": users.json,
 * channels.json, groups.json, dms.json, mpims.json, and a folder of
 * per-day message files for each conversation) as Parley records, with
 * fresh ids. Channels become public rooms, private channels private rooms,
 * DMs and group DMs direct messages; threads, reactions and edits are kept;
 * files become links in the message (Slack's export holds their URLs, not
 * their bytes); join/leave/topic notices become system messages.
 */

const slackUser = z.object({
  id: z.string(),
  name: z.string(),
  deleted: z.boolean().optional(),
  is_admin: z.boolean().optional(),
  is_owner: z.boolean().optional(),
  profile: z.object({ email: z.string().optional(), real_name: z.string().optional(), display_name: z.string().optional() }).optional(),
});
const slackChannel = z.object({
  id: z.string(),
  name: z.string().optional(),
  created: z.number().optional(),
  creator: z.string().optional(),
  is_archived: z.boolean().optional(),
  members: z.array(z.string()).optional(),
  purpose: z.object({ value: z.string() }).optional(),
  topic: z.object({ value: z.string() }).optional(),
});
const slackMessage = z.object({
  type: z.string().optional(),
  subtype: z.string().optional(),
  user: z.string().optional(),
  text: z.string().optional(),
  ts: z.string(),
  thread_ts: z.string().optional(),
  edited: z.object({ ts: z.string() }).optional(),
  reactions: z.array(z.object({ name: z.string(), users: z.array(z.string()) })).optional(),
  files: z.array(z.object({ name: z.string().optional(), title: z.string().optional(), url_private: z.string().optional(), permalink: z.string().optional() })).optional(),
});

type Records = { [K in FileName]: z.infer<(typeof FILES)[K]>[] };
type Resolve = (shortcode: string) => Promise<string | null>;

const json = (files: Map<string, Buffer>, name: string): unknown => {
  const b = files.get(name);
  return b ? (JSON.parse(b.toString("utf8")) as unknown) : [];
};
const list = <T>(schema: z.ZodType<T>, value: unknown, what: string): T[] => {
  const r = z.array(schema).safeParse(value);
  if (!r.success) throw new Error(`${what}: not in Slack's export layout (${r.error.issues[0]?.path.join(".")}: ${r.error.issues[0]?.message})`);
  return r.data;
};
const tsMs = (ts: string) => Math.round(Number(ts) * 1000);
const SYSTEM = new Set(["channel_join", "channel_leave", "channel_purpose", "channel_topic", "channel_name", "channel_archive", "group_join", "group_leave"]);
const MAX = 4000;

/** A Slack name as a Parley username: its allowed characters, 3–32 long, unique (a suffix if taken). */
function usernames() {
  const taken = new Set<string>();
  return (name: string): string => {
    let base = name.normalize("NFKC").replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 28);
    if (base.length < 3) base = `${base}___`.slice(0, 3);
    let candidate = base;
    for (let i = 2; taken.has(candidate.toLowerCase()); i++) candidate = `${base}-${i}`;
    taken.add(candidate.toLowerCase());
    return candidate;
  };
}

/** Slack's markup in message text: mentions and channel links by name, links as text, entities decoded. */
function plainText(text: string, userName: (id: string) => string | undefined): string {
  return text
    .replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, (_, id: string) => `@${userName(id) ?? id}`)
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, (_, name: string) => `#${name}`)
    .replace(/<!(here|channel|everyone)>/g, (_, w: string) => `@${w}`)
    .replace(/<([^|>]+)\|([^>]+)>/g, (_, url: string, label: string) => `${label} (${url})`)
    .replace(/<([^>]+)>/g, (_, url: string) => url)
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export async function slackToRecords(files: Map<string, Buffer>, resolveEmoji: Resolve, now: number): Promise<Records> {
  const out: Records = { users: [], rooms: [], members: [], messages: [], reactions: [], threads: [], attachments: [] };
  const name = usernames();
  const userIds = new Map<string, number>();
  const users = list(slackUser, json(files, "users.json"), "users.json");
  for (const u of users) {
    const id = out.users.length + 1;
    userIds.set(u.id, id);
    const record: UserRecord = {
      id,
      username: name(u.name),
      email: (u.profile?.email ?? `${u.name}@slack-import.invalid`).toLowerCase(),
      role: u.is_owner || u.is_admin ? "admin" : "member",
      createdAt: now,
      deactivatedAt: u.deleted ? now : null,
    };
    out.users.push(record);
  }
  const usernameOf = (slackId: string) => out.users[(userIds.get(slackId) ?? 0) - 1]?.username;

  const conversations: { folder: string; c: z.infer<typeof slackChannel>; kind: "public" | "private" | "dm" }[] = [];
  for (const c of list(slackChannel, json(files, "channels.json"), "channels.json")) conversations.push({ folder: c.name ?? c.id, c, kind: "public" });
  for (const c of list(slackChannel, json(files, "groups.json"), "groups.json")) conversations.push({ folder: c.name ?? c.id, c, kind: "private" });
  for (const c of list(slackChannel, json(files, "mpims.json"), "mpims.json")) conversations.push({ folder: c.name ?? c.id, c, kind: "dm" });
  for (const c of list(slackChannel, json(files, "dms.json"), "dms.json")) conversations.push({ folder: c.id, c, kind: "dm" });

  for (const { folder, c, kind } of conversations) {
    const roomId = out.rooms.length + 1;
    const memberIds = [...new Set((c.members ?? []).flatMap((m) => userIds.get(m) ?? []))].sort((a, b) => a - b);
    const creator = (c.creator && userIds.get(c.creator)) || memberIds[0] || 1;
    const description = [c.purpose?.value || c.topic?.value || "", c.is_archived ? "(archived in Slack)" : ""].filter(Boolean).join(" ").slice(0, 500);
    const room: RoomRecord = {
      id: roomId,
      name: kind === "dm" ? "" : (c.name ?? folder).slice(0, 80),
      description: kind === "dm" ? "" : description,
      isPrivate: kind !== "public",
      kind: kind === "dm" ? "dm" : "channel",
      dmKey: kind === "dm" ? memberIds.join(",") : null,
      createdBy: creator,
      createdAt: c.created ? c.created * 1000 : now,
      deletedAt: null,
      slowModeSeconds: 0,
    };
    out.rooms.push(room);
    // A channel's creator (or, if gone, its first member) is its admin; a DM has none.
    const admin = kind === "dm" ? null : memberIds.includes(creator) ? creator : (memberIds[0] ?? null);
    for (const userId of memberIds) out.members.push({ roomId, userId, isAdmin: userId === admin, joinedAt: room.createdAt });
    await addMessages(out, files, folder, roomId, userIds, usernameOf, resolveEmoji);
  }
  return out;
}

async function addMessages(
  out: Records,
  files: Map<string, Buffer>,
  folder: string,
  roomId: number,
  userIds: Map<string, number>,
  usernameOf: (id: string) => string | undefined,
  resolveEmoji: Resolve,
): Promise<void> {
  const days = [...files.keys()].filter((f) => f.startsWith(`${folder}/`) && f.endsWith(".json")).sort();
  const messages = days.flatMap((f) => list(slackMessage, json(files, f), f)).sort((a, b) => Number(a.ts) - Number(b.ts));
  const byTs = new Map<string, MessageRecord>();
  const threads = new Map<number, { replyCount: number; lastReplyAt: number | null; participants: { userId: number; firstAt: number }[] }>();
  for (const m of messages) {
    const senderId = (m.user && userIds.get(m.user)) || null;
    const links = (m.files ?? []).map((f) => `📎 ${f.title ?? f.name ?? "file"}${f.url_private || f.permalink ? ` (${f.url_private ?? f.permalink})` : ""}`);
    let content = [plainText(m.text ?? "", usernameOf), ...links].filter((s) => s.trim() !== "").join("\n").trim();
    if (content === "") continue;
    if ([...content].length > MAX) content = `${[...content].slice(0, MAX - 1).join("")}…`;
    const system = senderId === null || (m.subtype !== undefined && SYSTEM.has(m.subtype));
    const root = m.thread_ts && m.thread_ts !== m.ts ? byTs.get(m.thread_ts) : undefined;
    const createdAt = tsMs(m.ts);
    const record: MessageRecord = {
      id: out.messages.length + 1,
      roomId,
      senderId: system ? null : senderId,
      kind: system ? "system" : "text",
      content,
      clientId: system ? null : `slack-${m.ts}`,
      createdAt,
      editedAt: m.edited ? tsMs(m.edited.ts) : null,
      rev: m.edited ? 2 : 1,
      deletedAt: null,
      threadId: root && !system ? root.id : null,
      inRoom: !(root && !system) || m.subtype === "thread_broadcast",
      revisions: [],
    };
    out.messages.push(record);
    byTs.set(m.ts, record);
    if (record.threadId !== null && senderId !== null) {
      const t = threads.get(record.threadId) ?? { replyCount: 0, lastReplyAt: null, participants: [] };
      t.replyCount++;
      t.lastReplyAt = createdAt;
      if (!t.participants.some((p) => p.userId === senderId)) t.participants.push({ userId: senderId, firstAt: createdAt });
      threads.set(record.threadId, t);
    }
    if (system) continue;
    const seen = new Set<string>();
    for (const r of m.reactions ?? []) {
      const emoji = await resolveEmoji(`:${r.name.split("::")[0]}:`);
      if (!emoji || seen.has(emoji)) continue;
      seen.add(emoji);
      for (const u of new Set(r.users)) {
        const userId = userIds.get(u);
        if (userId) out.reactions.push({ messageId: record.id, emoji, userId, createdAt });
      }
    }
  }
  for (const [rootId, t] of threads) out.threads.push({ rootId, ...t });
}

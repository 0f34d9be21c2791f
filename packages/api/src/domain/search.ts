import {
  type Database,
  dmKeyOf,
  findDmByKey,
  findUserByKey,
  type Kysely,
  memberRoomsNamed,
  type MessageWithSender,
  roomsByIds,
  type SearchPlan,
  type SearchText,
  searchMessages,
} from "@parley/db";
import { notFound } from "../errors.ts";
import { type Message, type Room, toRoom } from "../shapes.ts";
import type { Auth } from "./auth.ts";
import { presentMessages } from "./messages.ts";
import { roomAccess } from "./rooms.ts";
import { parseSearchQuery, QuerySyntaxError, type SearchQuery } from "./search-query.ts";
import { type Highlight, highlightsOf, mentions } from "./search-text.ts";
import type { Services } from "../services.ts";

export interface SearchHit {
  message: Message;
  room: Room;
  /** Ranges of `message.content` that matched (UTF-16 offsets, end exclusive). */
  highlights: Highlight[];
}

export interface SearchResult {
  items: SearchHit[];
  /** Pass back as `cursor` for the next page; null after the last match. */
  nextCursor: string | null;
  /** Messages from before the search index are still being indexed: older matches may be missing. */
  indexing: boolean;
}

export interface SearchInput {
  query: string;
  roomId?: number | undefined;
  limit: number;
  cursor?: string | null | undefined;
  sort: "newest" | "relevance";
}

/**
 * `messages.search`: the query is parsed into a tree (a malformed one is
 * BAD_REQUEST saying where), its names resolved to ids (an unknown user or
 * room is BAD_REQUEST too: never a silently empty result), then run by the
 * engine over the rooms the caller belongs to — read at query time, so a
 * removed member stops finding a room's messages at once. Paging is keyset
 * on the message id (newest first), with no cap.
 */
export async function search(svc: Services, auth: Auth, input: SearchInput): Promise<SearchResult> {
  const tree = parseSearchQuery(input.query);
  const relevance = input.sort === "relevance";
  const cursor = input.cursor ?? null;
  if (cursor !== null && cursor.startsWith("r") !== relevance) throw new QuerySyntaxError(0, "that cursor is from a search with another sort");
  const plan = await resolve(svc, auth, tree, input);
  // SQLite indexes new messages after their commit: every message already answered is searchable.
  await svc.searchIndex.catchUp();
  plan.sort = input.sort;
  plan.limit = input.limit;
  if (cursor !== null) {
    if (relevance) plan.offset = Number(cursor.slice(1));
    else plan.beforeId = Number(cursor);
  }
  const mentionsMe = tree.children.some((c) => c.kind === "mentions-me");
  const keep = (row: MessageWithSender) => !mentionsMe || mentions(row.content, auth.username);

  // A filter the engine cannot express exactly (mentions outside code) is checked here, fetching on until the page is full.
  const rows: MessageWithSender[] = [];
  let consumed = 0;
  let more = false;
  for (;;) {
    const batch = await searchMessages(svc.db, plan);
    const exhausted = batch.length <= plan.limit;
    const fetched = exhausted ? batch : batch.slice(0, plan.limit);
    for (const row of fetched) {
      consumed++;
      if (keep(row)) rows.push(row);
      if (rows.length > input.limit) break;
    }
    if (rows.length > input.limit) {
      more = true;
      break;
    }
    const last = fetched[fetched.length - 1];
    if (exhausted || !last) break;
    if (relevance) plan.offset += fetched.length;
    else plan.beforeId = Number(last.id);
  }
  const page = rows.slice(0, input.limit);
  const lastRow = page[page.length - 1];
  // The next page starts after the last item shown (by relevance: after as many as were read to reach it).
  const offsetBase = cursor !== null && relevance ? Number(cursor.slice(1)) : 0;
  const nextCursor = more && lastRow ? (relevance ? `r${offsetBase + consumed - 1}` : String(lastRow.id)) : null;
  return { items: await present(svc.db, auth, tree, page), nextCursor, indexing: svc.searchIndex.indexing };
}

async function present(db: Kysely<Database>, auth: Auth, tree: SearchQuery, rows: MessageWithSender[]): Promise<SearchHit[]> {
  const [messages, rooms] = await Promise.all([presentMessages(db, rows, auth.userId), roomsByIds(db, [...new Set(rows.map((r) => Number(r.room_id)))])]);
  const byId = new Map(rooms.map((r) => [Number(r.id), toRoom(r)]));
  const hits: SearchHit[] = [];
  for (const message of messages) {
    const room = byId.get(message.roomId);
    if (room) hits.push({ message, room, highlights: highlightsOf(tree, message.content) });
  }
  return hits;
}

/** The tree's names as ids, and its nodes as the engine's plan. */
async function resolve(svc: Services, auth: Auth, tree: SearchQuery, input: SearchInput): Promise<SearchPlan> {
  const text: SearchText[] = [];
  let senderIds: number[] | null = null;
  let inRooms: number[] | null = null;
  let createdFrom: number | null = null;
  let createdTo: number | null = null;
  let hasLink = false;
  let hasFile = false;
  let isThread = false;
  for (const node of tree.children) {
    switch (node.kind) {
      case "word":
        text.push({ kind: "word", text: node.text, prefix: node.prefix, negate: false });
        break;
      case "phrase":
      case "substring":
        text.push({ kind: node.kind, text: node.text, negate: false });
        break;
      case "not":
        text.push(node.child.kind === "word" ? { kind: "word", text: node.child.text, prefix: false, negate: true } : { kind: node.child.kind, text: node.child.text, negate: true });
        break;
      case "from": {
        const user = await findUserByKey(svc.db, node.username.normalize("NFKC").toLowerCase());
        if (!user) throw new QuerySyntaxError(node.start, `no user named "${node.username}"`);
        senderIds = [...(senderIds ?? []), Number(user.id)];
        break;
      }
      case "in": {
        const ids = await memberRoomsNamed(svc.db, auth.userId, node.room);
        if (ids.length === 0) throw new QuerySyntaxError(node.start, `you are in no room named "${node.room}"`);
        inRooms = [...(inRooms ?? []), ...ids];
        break;
      }
      case "in-dm": {
        const user = await findUserByKey(svc.db, node.username.normalize("NFKC").toLowerCase());
        const dm = user ? await findDmByKey(svc.db, dmKeyOf([auth.userId, Number(user.id)])) : undefined;
        if (!user || !dm || dm.deleted_at !== null) throw new QuerySyntaxError(node.start, `you have no direct messages with "${node.username}"`);
        inRooms = [...(inRooms ?? []), Number(dm.id)];
        break;
      }
      case "date":
        if (node.from !== null) createdFrom = Math.max(createdFrom ?? node.from, node.from);
        if (node.to !== null) createdTo = Math.min(createdTo ?? node.to, node.to);
        break;
      case "has-link":
        hasLink = true;
        break;
      case "has-file":
        hasFile = true;
        break;
      case "is-thread":
        isThread = true;
        break;
      case "mentions-me":
        // Candidates by substring; mentions() decides (code and longer names excluded).
        text.push({ kind: "substring", text: `@${auth.username}`, negate: false });
        break;
    }
  }
  let roomIds = inRooms;
  if (input.roomId !== undefined) {
    // Readable: a member's room, or a public room (its history is open to everyone signed in).
    const access = await roomAccess(svc, input.roomId, auth.userId);
    if (access.room.deleted_at !== null) throw notFound("Room");
    roomIds = inRooms === null ? [input.roomId] : inRooms.filter((id) => id === input.roomId);
  }
  return { userId: auth.userId, roomIds, text, senderIds, createdFrom, createdTo, hasLink, hasFile, isThread, sort: "newest", beforeId: null, offset: 0, limit: 20 };
}

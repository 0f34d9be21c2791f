import { DURABLE_EVENT_TYPES, type DurableEvent, type DurableEventType, issueResponseUrl, type Message, type StreamEvent } from "@parley/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Recorder, record, registerUser, type TestServer, type TestUser, startTestServer, type WsApi, wsApi } from "../test/harness.ts";

/**
 * What someone who is in none of the rooms learns from the stream, live and
 * on a replay from position 0, for every durable event type the events
 * module declares: nothing of a private room (not even that it was renamed
 * on its way to private) or of a DM, and of a public room what is public.
 * A new event type fails here until it has a rule below and the scenario
 * produces it.
 */

let server: TestServer;
const open: (WsApi | Recorder)[] = [];
beforeAll(async () => {
  // No default room: the outsider must share no room at all with the others (a #general would be one).
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000", DEFAULT_ROOM: "" });
});
afterEach(async () => {
  for (const c of open.splice(0)) "stop" in c ? c.stop() : await c.close();
});
afterAll(() => server.dispose());

function connect(u: TestUser): WsApi {
  const c = wsApi(server, u.accessToken);
  open.push(c);
  return c;
}
function listen(c: WsApi, lastEventId?: string): Recorder {
  const r = record(c.api, lastEventId);
  open.push(r);
  return r;
}

/**
 * Text that exists only while its room is private (or in a room private from
 * the start, or a DM): everything the scenario writes there starts with one
 * of these (names, descriptions, messages, edits, replies).
 */
const SECRETS = ["s-secret", "p-secret", "dm-secret"];

interface World {
  /** Rooms by role. */
  p: number;
  q: number;
  s: number;
  dm: number;
  marker: number;
  /** Position from which room P is private. */
  pPrivateFrom: number;
}
interface Witness {
  /** Previews room P (rooms.watch) on the live stream. */
  watchesP: boolean;
}

/** P's events a watcher may get live: those before P turned private. */
const watchedP = (e: DurableEvent, w: World, who: Witness) => who.watchesP && e.roomId === w.p && e.id < w.pPrivateFrom;

/** For each durable event type: may a non-member receive this one? */
const rules: Record<DurableEventType, (e: DurableEvent, w: World, who: Witness) => boolean> = {
  "message.created": watchedP,
  "room.created": (e) => e.type === "room.created" && !e.room.isPrivate && e.room.kind === "channel",
  "room.updated": (e) => e.type === "room.updated" && !e.room.isPrivate && e.room.kind === "channel",
  "room.deleted": (e, w) => e.roomId === w.q || e.roomId === w.marker,
  // The removal of a room that turned private: the id and nothing else.
  "room.hidden": (e) => Object.keys(e).sort().join() === "id,roomId,type",
  "member.joined": watchedP,
  "member.left": watchedP,
  "member.removed": watchedP,
  "member.admin": watchedP,
  "message.updated": watchedP,
  "message.deleted": watchedP,
  "reaction.added": watchedP,
  "reaction.removed": watchedP,
  "thread.updated": watchedP,
  // A profile change is told per room of the person's: a non-member hears of it only by watching P while public.
  "user.updated": watchedP,
  // A member's read state is theirs alone; a DM's receipts are its members' (issue 14): never a non-member's, not even a watcher's.
  "read.updated": () => false,
  "receipt.updated": () => false,
  // A command's late answer for its caller alone (issue 17).
  "command.replied": () => false,
};

const durable = (events: StreamEvent[]): DurableEvent[] =>
  events.filter((e): e is DurableEvent => "id" in e && (DURABLE_EVENT_TYPES as readonly string[]).includes(e.type));

function violations(label: string, events: StreamEvent[], w: World, who: Witness): string[] {
  const out: string[] = [];
  const ours = new Set([w.p, w.q, w.s, w.dm, w.marker]);
  for (const e of durable(events)) {
    if (e.roomId === null || !ours.has(e.roomId)) continue;
    const json = JSON.stringify(e);
    const rule = rules[e.type];
    if (!rule(e, w, who)) out.push(`${label} got ${e.type} #${e.id}: ${json}`);
    for (const secret of SECRETS) if (json.includes(secret)) out.push(`${label} learnt "${secret}" from ${e.type} #${e.id}`);
  }
  return out;
}

/** The rooms a client's list holds after these events (what the web app does with them). */
function listedRooms(events: StreamEvent[]): Set<number> {
  const rooms = new Set<number>();
  for (const e of durable(events)) {
    if (e.type === "room.created" || e.type === "room.updated") {
      if (e.room.isPrivate) rooms.delete(e.roomId);
      else rooms.add(e.roomId);
    }
    if (e.type === "room.deleted" || e.type === "room.hidden") rooms.delete(e.roomId);
  }
  return rooms;
}

describe("what a non-member receives, for every durable event type", () => {
  it("has a rule for each type in the events module", () => {
    expect(DURABLE_EVENT_TYPES.length).toBeGreaterThanOrEqual(8);
    expect(DURABLE_EVENT_TYPES.filter((t) => !(t in rules))).toEqual([]);
  });

  it("learns nothing of a private room, live or on replay from 0, and of a public room what is public", async () => {
    const [owner, member, outsider, watcher] = await Promise.all(
      ["vis-owner", "vis-member", "vis-out", "vis-watch"].map((p) => registerUser(server, p)),
    );
    if (!owner || !member || !outsider || !watcher) throw new Error("no users");
    const ownerLive = listen(connect(owner));
    const outsiderLive = listen(connect(outsider));
    const watcherConn = connect(watcher);
    const watcherLive = listen(watcherConn);
    await Promise.all([ownerLive, outsiderLive, watcherLive].map((r) => r.waitFor((e) => e.type === "ready")));

    const q = await owner.http.rooms.create.mutate({ name: "q-public-name", description: "q-public-desc" });
    const p = await owner.http.rooms.create.mutate({ name: "p-before", description: "p-before-desc" });
    const s = await owner.http.rooms.create.mutate({ name: "s-secret-name", description: "s-secret-desc", isPrivate: true });
    await watcherConn.api.rooms.watch.mutate({ roomId: p.id });
    await member.http.rooms.join.mutate({ roomId: p.id });
    await owner.http.rooms.addMember.mutate({ roomId: s.id, username: member.username });
    const say = (roomId: number, content: string) => owner.http.messages.send.mutate({ roomId, content, clientId: content });
    /** Every kind of message event, in one room: an edit, a reaction added and one taken back, a thread reply, a delete. */
    const converse = async (roomId: number, tag: string, root: Message) => {
      await owner.http.messages.edit.mutate({ messageId: root.id, content: `${tag}-edited` });
      await member.http.messages.react.mutate({ messageId: root.id, emoji: "🎉" });
      await member.http.messages.react.mutate({ messageId: root.id, emoji: "👍" });
      await member.http.messages.unreact.mutate({ messageId: root.id, emoji: "👍" });
      const reply = await member.http.messages.send.mutate({ roomId, content: `${tag}-reply`, clientId: `${tag}-reply`, threadId: root.id });
      // Read state: the member's room marker (and, in the DM, a receipt); the owner's marker in the thread they started.
      await member.http.rooms.markRead.mutate({ roomId, messageId: root.id });
      await owner.http.threads.markRead.mutate({ threadId: root.id, messageId: reply.id });
      await owner.http.messages.delete.mutate({ messageId: (await say(roomId, `${tag}-doomed`)).id });
    };
    await converse(p.id, "p-public", await say(p.id, "p-public-msg"));
    // Told in Q, P (public: its watcher may hear it), S (private) and to the owner alone; the outsider shares no room.
    await owner.http.users.updateProfile.mutate({ displayName: "Owner", statusText: "p-public-status" });
    await converse(s.id, "s-secret", await say(s.id, "s-secret-msg"));
    // A custom command's late answer to the owner alone, through its response URL (the command is never called here).
    const command = await owner.http.commands.create.mutate({ roomId: s.id, trigger: "late", url: "http://127.0.0.1:9/late" });
    const responseUrl = await issueResponseUrl(server.svc, { commandId: command.id, roomId: s.id, userId: owner.id, clientId: "vis-late" });
    const told = await fetch(responseUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "s-secret-late", ephemeral: true }) });
    expect(told.status).toBe(200);
    // A DM between the owner and the member: nobody else learns it exists.
    const dm = await owner.http.dms.open.mutate({ userIds: [member.id] });
    await converse(dm.id, "dm-secret", await say(dm.id, "dm-secret-msg"));
    await owner.http.rooms.update.mutate({ roomId: p.id, name: "p-renamed-public" });
    await owner.http.rooms.setAdmin.mutate({ roomId: s.id, userId: member.id, isAdmin: true });
    // The change this file is about: public to private, with a new name and description at once.
    await owner.http.rooms.update.mutate({ roomId: p.id, name: "p-secret-name", description: "p-secret-desc", isPrivate: true });
    const pSecret = await say(p.id, "p-secret-msg");
    // What a watcher saw while P was public is now private: the same conversation, out of its sight.
    await converse(p.id, "p-secret", pSecret);
    await owner.http.users.updateProfile.mutate({ statusText: "p-secret-status" });
    await owner.http.messages.delete.mutate({ messageId: pSecret.id });
    await member.http.rooms.leave.mutate({ roomId: p.id });
    await owner.http.rooms.removeMember.mutate({ roomId: s.id, userId: member.id });
    await owner.http.rooms.update.mutate({ roomId: s.id, name: "s-secret-renamed" });
    await owner.http.rooms.delete.mutate({ roomId: s.id });
    await owner.http.rooms.update.mutate({ roomId: q.id, name: "q-renamed-public" });
    await owner.http.rooms.delete.mutate({ roomId: q.id });
    // The sync point: a public room created last; whatever came before it in the log has been delivered once it arrives.
    const marker = await owner.http.rooms.create.mutate({ name: "marker" });
    const markerArrived = (e: StreamEvent) => e.type === "room.created" && e.roomId === marker.id;
    await Promise.all([ownerLive, outsiderLive, watcherLive].map((r) => r.waitFor(markerArrived)));

    // The scenario produced every durable type (the owner, in every room, saw them all).
    const types = await server.svc.db.selectFrom("events").select("type").distinct().execute();
    expect(DURABLE_EVENT_TYPES.filter((t) => !types.some((r) => r.type === t))).toEqual([]);

    const pPrivate = durable(ownerLive.events).find(
      (e) => e.roomId === p.id && (e.type === "room.updated" ? e.room.isPrivate : e.type === "room.hidden"),
    );
    if (!pPrivate) throw new Error("the owner never saw P turn private");
    const w: World = { p: p.id, q: q.id, s: s.id, dm: dm.id, marker: marker.id, pPrivateFrom: pPrivate.id };

    const outsiderReplay = listen(connect(outsider), "0");
    const watcherReplay = listen(connect(watcher), "0");
    await Promise.all([outsiderReplay, watcherReplay].map((r) => r.waitFor(markerArrived)));

    // Whoever shares no room with the owner never hears of the profile, in any room or none.
    for (const r of [outsiderLive, outsiderReplay]) expect(durable(r.events).filter((e) => e.type === "user.updated")).toEqual([]);
    expect(durable(watcherLive.events).filter((e) => e.type === "user.updated").map((e) => e.roomId)).toEqual([p.id]);
    expect([
      ...violations("outsider live", outsiderLive.events, w, { watchesP: false }),
      ...violations("watcher live", watcherLive.events, w, { watchesP: true }),
      ...violations("outsider replay", outsiderReplay.events, w, { watchesP: false }),
      ...violations("watcher replay", watcherReplay.events, w, { watchesP: false }),
    ]).toEqual([]);

    // What is public arrives: Q's life, and P leaving the list; the client's list then agrees with rooms.list.
    const seen = (r: Recorder) => durable(r.events).map((e) => `${e.type}:${e.roomId}`);
    for (const r of [outsiderLive, outsiderReplay]) {
      expect(seen(r)).toEqual(expect.arrayContaining([`room.created:${q.id}`, `room.updated:${q.id}`, `room.deleted:${q.id}`]));
      expect(seen(r)).toContain(`room.hidden:${p.id}`);
    }
    // The watcher got P's conversation while it was public, edit and thread included.
    const watched = durable(watcherLive.events).filter((e) => e.roomId === p.id);
    for (const type of ["message.updated", "message.deleted", "reaction.added", "reaction.removed", "thread.updated"]) {
      expect(watched.map((e) => e.type)).toContain(type);
    }
    expect(JSON.stringify(watched)).toContain("p-public-edited");
    const listed = (await outsider.http.rooms.list.query()).map((r) => r.id).filter((id) => [p.id, q.id, s.id, dm.id, marker.id].includes(id));
    for (const r of [outsiderLive, outsiderReplay, watcherLive]) expect([...listedRooms(r.events)].sort((a, b) => a - b)).toEqual(listed);
    expect(listed).toEqual([marker.id]);
  });
});

import type { StreamEvent } from "@parley/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  accountProcedures,
  attempt,
  callOverHttp,
  messageProcedures,
  procedures,
  roomProcedures,
  roomSamples,
  threadProcedures,
  unclassified,
} from "../test/access-matrix.ts";
import {
  codeOf,
  httpApi,
  type Recorder,
  record,
  registerUser,
  type TestServer,
  type TestUser,
  startTestServer,
  type WsApi,
  wsApi,
} from "../test/harness.ts";
import { syncPoint, withoutSyncPoints } from "../test/sync.ts";
import { openWire, type WireSocket, wireCode } from "../test/wire.ts";

/**
 * Per-object authorisation (OWASP ASVS 5, V8), generated from the router:
 * every procedure is classified by what it acts on (test/access-matrix.ts).
 * Here: every procedure whose input takes a `roomId`, called by a
 * non-member of a private room, a removed member and a DM outsider; the
 * message procedures are in access-messages.test.ts, calls without a
 * session in access-anonymous.test.ts. A new procedure fails the first test
 * until it has a class and a sample input, so the matrix cannot silently
 * fall behind the API.
 */

let server: TestServer;
const open: (WsApi | Recorder | WireSocket)[] = [];
beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" });
});
afterEach(async () => {
  for (const c of open.splice(0)) {
    if ("stop" in c) c.stop();
    else if ("ws" in c) c.close();
    else await c.close();
  }
});
afterAll(() => server.dispose());

const touchesRoom = (roomId: number) => (e: StreamEvent) => "roomId" in e && e.roomId === roomId;

/** Calls every room procedure on `roomId` as `u`, over HTTP and WebSocket; checks no refusal names a secret. */
async function tryEveryRoomProcedure(u: TestUser, roomId: number, owner: TestUser, secrets: string[]): Promise<Record<string, string>> {
  const cast = { owner, outsider: u };
  const { results, replies } = await attempt(
    server,
    u.accessToken,
    roomProcedures.map((p) => ({ p, input: roomSamples[p.path]?.(roomId, cast) })),
  );
  for (const secret of secrets) expect(replies).not.toContain(secret);
  return results;
}
const allNotFound = () => Object.fromEntries(roomProcedures.map((p) => [p.path, "NOT_FOUND/NOT_FOUND"]));

describe("access matrix generated from the router", () => {
  it("puts every procedure in a class, with a sample input for each", () => {
    expect(unclassified()).toEqual([]);
    expect(roomProcedures.length).toBeGreaterThanOrEqual(13);
    expect(messageProcedures.map((p) => p.path).sort()).toEqual(
      [
        "messages.delete",
        "messages.edit",
        "messages.reactions",
        "messages.react",
        "messages.report",
        "messages.revisions",
        "messages.unreact",
        "messages.readBy",
        "threads.follow",
        "threads.unfollow",
        "threads.markRead",
      ].sort(),
    );
    expect(threadProcedures.map((p) => p.path).sort()).toEqual(["messages.list", "messages.send"]);
    // A hand-listed procedure must really act on neither a room nor a message, or it would dodge the generated cases.
    const listed = procedures.filter((p) => p.path in accountProcedures);
    expect(listed.filter((p) => p.keys.includes("roomId") || p.keys.includes("messageId")).map((p) => p.path)).toEqual([]);
    expect(Object.keys(accountProcedures).filter((path) => !procedures.some((p) => p.path === path))).toEqual([]);
  });

  it("refuses a non-member of a private room on every roomId procedure, over HTTP and WebSocket, and leaks nothing", async () => {
    const [owner, outsider] = await Promise.all([registerUser(server, "owner"), registerUser(server, "outsider")]);
    const room = await owner.http.rooms.create.mutate({ name: "secret-plans", description: "the-hidden-agenda", isPrivate: true });
    await owner.http.messages.send.mutate({ roomId: room.id, content: "classified-content", clientId: "c1" });
    const ownerStream = record(wsApi(server, owner.accessToken).api);
    open.push(ownerStream);
    await ownerStream.waitFor((e) => e.type === "ready");

    const results = await tryEveryRoomProcedure(outsider, room.id, owner, ["secret-plans", "the-hidden-agenda", "classified-content"]);
    expect(results).toEqual(allNotFound());
    // A room that does not exist answers the same: existence does not leak.
    expect(await codeOf(outsider.http.rooms.get.query({ roomId: room.id + 10_000 }))).toBe("NOT_FOUND");

    // Nothing changed, and the members saw nothing from the outsider (not even typing).
    const after = await owner.http.rooms.get.query({ roomId: room.id });
    expect(after).toMatchObject({ name: "secret-plans", description: "the-hidden-agenda", isPrivate: true, memberCount: 1 });
    const history = await owner.http.messages.list.query({ roomId: room.id });
    expect(history.items.filter((m) => m.kind === "text").map((m) => m.content)).toEqual(["classified-content"]);
    expect((await owner.http.rooms.members.query({ roomId: room.id })).map((m) => m.userId)).toEqual([owner.id]);
    expect((await outsider.http.rooms.list.query()).some((r) => r.id === room.id)).toBe(false);
    // The owner's marker comes after every refused call: typing published by one would be here by now.
    await syncPoint(owner, ownerStream);
    expect(ownerStream.events.filter((e) => e.type === "typing")).toEqual([]);
  });

  it("refuses a removed member of a private room as it refuses a stranger", async () => {
    const [owner, member] = await Promise.all([registerUser(server, "xowner"), registerUser(server, "xmember")]);
    const room = await owner.http.rooms.create.mutate({ name: "ex-plans", description: "ex-agenda", isPrivate: true });
    await owner.http.rooms.addMember.mutate({ roomId: room.id, username: member.username });
    await owner.http.rooms.removeMember.mutate({ roomId: room.id, userId: member.id });
    await owner.http.messages.send.mutate({ roomId: room.id, content: "said-after-removal", clientId: "x1" });
    await owner.http.rooms.update.mutate({ roomId: room.id, name: "renamed-after-removal" });

    const results = await tryEveryRoomProcedure(member, room.id, owner, ["renamed-after-removal", "ex-agenda", "said-after-removal"]);
    expect(results).toEqual(allNotFound());
    expect((await owner.http.rooms.members.query({ roomId: room.id })).map((m) => m.userId)).toEqual([owner.id]);
    expect(await owner.http.rooms.get.query({ roomId: room.id })).toMatchObject({ name: "renamed-after-removal", memberCount: 1 });
  });

  it("refuses a DM outsider on every roomId procedure, as it refuses a private room's", async () => {
    const [alice, bob, carol] = await Promise.all([registerUser(server, "dma"), registerUser(server, "dmb"), registerUser(server, "dmc")]);
    const dm = await alice.http.dms.open.mutate({ userIds: [bob.id] });
    await bob.http.messages.send.mutate({ roomId: dm.id, content: "dm-only-words", clientId: "d1" });

    const results = await tryEveryRoomProcedure(carol, dm.id, alice, ["dm-only-words", alice.username, bob.username]);
    expect(results).toEqual(allNotFound());
    const contents = (await alice.http.messages.list.query({ roomId: dm.id })).items.map((m) => m.content);
    expect(contents.filter((c) => c === "let me in")).toEqual([]);
    expect((await alice.http.rooms.members.query({ roomId: dm.id })).map((m) => m.userId).sort((a, b) => a - b)).toEqual(
      [alice.id, bob.id].sort((a, b) => a - b),
    );
    expect((await carol.http.rooms.list.query()).some((r) => r.id === dm.id)).toBe(false);
  });

  it("refuses a non-member of a public room every write but join", async () => {
    const [owner, outsider] = await Promise.all([registerUser(server, "powner"), registerUser(server, "pout")]);
    const room = await owner.http.rooms.create.mutate({ name: "lobby" });
    const cast = { owner, outsider };
    const results: Record<string, string> = {};
    // join last: it makes the outsider a member.
    for (const p of [...roomProcedures].sort((a, b) => Number(a.path === "rooms.join") - Number(b.path === "rooms.join"))) {
      results[p.path] = (await callOverHttp(server, outsider.accessToken, p, roomSamples[p.path]?.(room.id, cast))).code;
    }
    const readable = ["rooms.get", "rooms.members", "messages.list", "messages.search", "rooms.join"];
    const { "rooms.leave": leave, "rooms.watch": watch, "messages.around": aroundBogus, ...rest } = results;
    // The sample names a message of no room; a message of this room is readable like its history.
    expect(aroundBogus).toBe("NOT_FOUND");
    const first = (await owner.http.messages.list.query({ roomId: room.id })).items[0];
    expect(first && (await codeOf(outsider.http.messages.around.query({ roomId: room.id, messageId: first.id })))).toBe("OK");
    expect(rest).toEqual(Object.fromEntries(Object.keys(rest).map((p) => [p, readable.includes(p) ? "OK" : "FORBIDDEN"])));
    // Previewing is a read, but it follows a connection: allowed over a WebSocket, BAD_REQUEST over HTTP.
    expect(watch).toBe("BAD_REQUEST");
    const wire = openWire(server, { token: outsider.accessToken });
    open.push(wire);
    expect(wireCode(await wire.call("mutation", "rooms.watch", { roomId: room.id }))).toBe("OK");
    // Leaving a room one is not in is refused too (the exact code is not a secret).
    expect(["FORBIDDEN", "NOT_FOUND", "CONFLICT"]).toContain(leave);
    expect(await owner.http.rooms.get.query({ roomId: room.id })).toMatchObject({ name: "lobby" });
  });
});

describe("the event stream of a private room", () => {
  it("gives a non-member none of its events, live or resumed from the start of the log", async () => {
    const [owner, member, outsider] = await Promise.all([registerUser(server, "sowner"), registerUser(server, "smember"), registerUser(server, "sout")]);
    const live = record(wsApi(server, outsider.accessToken).api);
    open.push(live);
    await live.waitFor((e) => e.type === "ready");
    const room = await owner.http.rooms.create.mutate({ name: "vault", isPrivate: true });
    await owner.http.rooms.addMember.mutate({ roomId: room.id, username: member.username });
    await owner.http.messages.send.mutate({ roomId: room.id, content: "vault-1", clientId: "v1" });
    await owner.http.rooms.update.mutate({ roomId: room.id, description: "vault-desc" });
    await owner.http.rooms.typing.mutate({ roomId: room.id, isTyping: true });
    await owner.http.rooms.setAdmin.mutate({ roomId: room.id, userId: member.id, isAdmin: true });
    await owner.http.rooms.removeMember.mutate({ roomId: room.id, userId: member.id });
    // The owner's own stream is the witness that everything above was delivered.
    const witness = record(wsApi(server, owner.accessToken).api, "0");
    open.push(witness);
    await witness.waitFor((e) => e.type === "member.removed" && e.roomId === room.id);
    // The outsider's own marker, committed after all of it, has arrived: the room's events would have come first.
    await syncPoint(outsider, live);
    expect(live.events.filter(touchesRoom(room.id))).toEqual([]);

    const resumed = record(wsApi(server, outsider.accessToken).api, "0");
    open.push(resumed);
    // Replay runs in log order up to the marker (or the marker comes live after it): the whole log has been judged.
    await syncPoint(outsider, resumed);
    expect(resumed.error()).toBeNull();
    expect(resumed.events.filter(touchesRoom(room.id))).toEqual([]);
    expect(JSON.stringify(withoutSyncPoints(resumed))).not.toContain("vault");
  });

  it("gives a removed member, resuming from before the removal, nothing of the room but the removal", async () => {
    const [owner, member] = await Promise.all([registerUser(server, "rowner"), registerUser(server, "rmember")]);
    const room = await owner.http.rooms.create.mutate({ name: "exroom", isPrivate: true });
    await owner.http.rooms.addMember.mutate({ roomId: room.id, username: member.username });
    const stream = record(wsApi(server, member.accessToken).api);
    open.push(stream);
    const ready = await stream.waitFor((e) => e.type === "ready");
    const joinedAt = ready.type === "ready" ? ready.id : 0;
    await owner.http.messages.send.mutate({ roomId: room.id, content: "before-removal", clientId: "b1" });
    await stream.waitFor((e) => e.type === "message.created" && e.message.content === "before-removal");
    await owner.http.rooms.removeMember.mutate({ roomId: room.id, userId: member.id });
    await stream.waitFor((e) => e.type === "member.removed");
    // After the removal: messages, updates, typing. None may reach the removed member.
    await owner.http.messages.send.mutate({ roomId: room.id, content: "after-removal", clientId: "a1" });
    await owner.http.rooms.update.mutate({ roomId: room.id, name: "renamed-after" });
    await owner.http.rooms.typing.mutate({ roomId: room.id, isTyping: true });
    await syncPoint(member, stream);
    const removal = stream.events.findIndex((e) => e.type === "member.removed");
    expect(stream.events.slice(removal + 1).filter(touchesRoom(room.id))).toEqual([]);

    const resumed = record(wsApi(server, member.accessToken).api, String(joinedAt));
    open.push(resumed);
    await resumed.waitFor((e) => e.type === "member.removed");
    await syncPoint(member, resumed);
    const ofRoom = resumed.events.filter(touchesRoom(room.id));
    expect(ofRoom.map((e) => e.type)).toEqual(["member.removed"]);
    expect(JSON.stringify(withoutSyncPoints(resumed))).not.toContain("after");
    expect(await codeOf(httpApi(server, member.accessToken).messages.list.query({ roomId: room.id }))).toBe("NOT_FOUND");
  });
});

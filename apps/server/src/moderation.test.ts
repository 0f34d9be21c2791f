import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { codeOf, type Recorder, record, registerUser, signInAdmin, type TestServer, type TestUser, startTestServer, wsApi, type WsApi } from "./test/harness.ts";
import { syncPoint } from "./test/sync.ts";
import { openWire, type WireSocket, wireCode } from "./test/wire.ts";

/**
 * Room moderation (issue 18): mute, ban and slow mode, enforced on send over
 * HTTP and over WebSocket (the lean send endpoint), and reports to the
 * server admins.
 */

let server: TestServer;
const open: (WireSocket | Recorder | WsApi)[] = [];
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

let seq = 0;
/** A send over HTTP and one over a raw WebSocket, as `u`: their two codes. */
async function sendBoth(u: TestUser, roomId: number): Promise<[string, string]> {
  const wire = openWire(server, { token: u.accessToken });
  open.push(wire);
  const http = await codeOf(u.http.messages.send.mutate({ roomId, content: `http ${++seq}`, clientId: `h${seq}` }));
  const ws = wireCode(await wire.call("mutation", "messages.send", { roomId, content: `ws ${++seq}`, clientId: `w${seq}` }));
  return [http, ws];
}

async function roomWith(): Promise<{ owner: TestUser; member: TestUser; roomId: number }> {
  const [owner, member] = await Promise.all([registerUser(server, "mod"), registerUser(server, "modded")]);
  const room = await owner.http.rooms.create.mutate({ name: `moderated ${owner.id}` });
  await member.http.rooms.join.mutate({ roomId: room.id });
  return { owner, member, roomId: room.id };
}

describe("mute", () => {
  it("lets a muted member read but not send, over HTTP and WebSocket, until it ends", async () => {
    const { owner, member, roomId } = await roomWith();
    const until = Date.now() + 3_600_000;
    expect(await owner.http.rooms.mute.mutate({ roomId, userId: member.id, until })).toEqual({ roomId, userId: member.id, until });
    expect(await sendBoth(member, roomId)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    expect((await member.http.messages.list.query({ roomId })).items.length).toBeGreaterThan(0);
    expect(await sendBoth(owner, roomId)).toEqual(["OK", "OK"]);
    // Only a room admin may mute; a member cannot mute an admin or themselves.
    expect(await codeOf(member.http.rooms.mute.mutate({ roomId, userId: owner.id, until }))).toBe("FORBIDDEN");
    expect(await codeOf(owner.http.rooms.mute.mutate({ roomId, userId: owner.id, until }))).toBe("CONFLICT");

    // The mute's time runs out (written to the database, as the hour passing would).
    await server.svc.db.updateTable("room_members").set({ muted_until: Date.now() - 1 }).where("user_id", "=", member.id).execute();
    expect(await sendBoth(member, roomId)).toEqual(["OK", "OK"]);
    // And an admin can lift one early.
    await owner.http.rooms.mute.mutate({ roomId, userId: member.id, until });
    await owner.http.rooms.mute.mutate({ roomId, userId: member.id, until: null });
    expect(await sendBoth(member, roomId)).toEqual(["OK", "OK"]);
  });
});

describe("ban", () => {
  it("removes the member, who then cannot send, rejoin or be added back, until unbanned", async () => {
    const { owner, member, roomId } = await roomWith();
    const stream = record(wsApi(server, member.accessToken).api);
    open.push(stream);
    await stream.waitFor((e) => e.type === "ready");
    await owner.http.rooms.ban.mutate({ roomId, userId: member.id });
    await stream.waitFor((e) => e.type === "member.removed" && e.roomId === roomId && e.userId === member.id);

    expect(await sendBoth(member, roomId)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    expect(await codeOf(member.http.rooms.join.mutate({ roomId }))).toBe("FORBIDDEN");
    expect(await codeOf(owner.http.rooms.addMember.mutate({ roomId, username: member.username }))).toBe("FORBIDDEN");
    expect((await owner.http.rooms.members.query({ roomId })).map((m) => m.userId)).toEqual([owner.id]);

    await owner.http.rooms.unban.mutate({ roomId, userId: member.id });
    await member.http.rooms.join.mutate({ roomId });
    expect(await sendBoth(member, roomId)).toEqual(["OK", "OK"]);
    const actions = (await (await signInAdmin(server)).http.admin.audit.list.query({ limit: 2 })).items.map((a) => a.action);
    expect(actions).toEqual(["room.unban", "room.ban"]);
  });
});

describe("slow mode", () => {
  it("holds a member to one message per period over HTTP and WebSocket together; admins are not slowed", async () => {
    const { owner, member, roomId } = await roomWith();
    const stream = record(wsApi(server, member.accessToken).api);
    open.push(stream);
    await stream.waitFor((e) => e.type === "ready");
    const room = await owner.http.rooms.update.mutate({ roomId, slowModeSeconds: 60 });
    expect(room.slowModeSeconds).toBe(60);
    // Members hear of it: the room's new state, and a system message.
    await stream.waitFor((e) => e.type === "room.updated" && e.room.slowModeSeconds === 60);
    await stream.waitFor((e) => e.type === "message.created" && e.message.kind === "system" && e.message.content.includes("slow mode"));

    // The HTTP send goes through; the WebSocket one right after is too soon.
    expect(await sendBoth(member, roomId)).toEqual(["OK", "TOO_MANY_REQUESTS"]);
    expect(await sendBoth(member, roomId)).toEqual(["TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);
    expect(await sendBoth(owner, roomId)).toEqual(["OK", "OK"]);

    // The period passes (written to the database, as a minute going by would).
    await server.svc.db.updateTable("room_members").set({ last_sent_at: Date.now() - 61_000 }).where("user_id", "=", member.id).execute();
    const sent = await member.http.messages.send.mutate({ roomId, content: "after the wait", clientId: "slow-ok" });
    // Its retry, within the period, is answered with the original, not slowed (idempotency comes first).
    expect(await member.http.messages.send.mutate({ roomId, content: "after the wait", clientId: "slow-ok" })).toEqual(sent);

    await owner.http.rooms.update.mutate({ roomId, slowModeSeconds: 0 });
    expect(await sendBoth(member, roomId)).toEqual(["OK", "OK"]);
    expect(await codeOf(owner.http.rooms.update.mutate({ roomId, slowModeSeconds: 999_999 }))).toBe("BAD_REQUEST");
    expect(await codeOf(member.http.rooms.update.mutate({ roomId, slowModeSeconds: 5 }))).toBe("FORBIDDEN");
  });
});

describe("reports", () => {
  it("go to the server admins, once per reporter, and only members of the room can report", async () => {
    const { owner, member, roomId } = await roomWith();
    const admin = await signInAdmin(server);
    const bad = await owner.http.messages.send.mutate({ roomId, content: "something awful", clientId: "bad1" });
    expect(await member.http.messages.report.mutate({ messageId: bad.id, reason: "abusive" })).toEqual({ messageId: bad.id, reported: true });
    await member.http.messages.report.mutate({ messageId: bad.id, reason: "abusive, again" });
    const outsider = await registerUser(server, "reportout");
    expect(await codeOf(outsider.http.messages.report.mutate({ messageId: bad.id, reason: "x" }))).toBe("FORBIDDEN");
    expect(await codeOf(member.http.admin.reports.list.query())).toBe("FORBIDDEN");

    const reports = (await admin.http.admin.reports.list.query()).items.filter((r) => r.messageId === bad.id);
    expect(reports.map((r) => [r.reason, r.reporter.id, r.message.content, r.message.sender?.id])).toEqual([["abusive", member.id, "something awful", owner.id]]);
    // The marker: nothing about the report reached the room's stream (reports go to admins only).
    const stream = record(wsApi(server, owner.accessToken).api, "0");
    open.push(stream);
    const seen = await syncPoint(owner, stream);
    expect(JSON.stringify(seen)).not.toContain("abusive");
  });
});

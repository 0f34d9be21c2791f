import { appRouter, type StreamEvent } from "@parley/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
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
 * every procedure whose input takes a `roomId` is called by a non-member.
 * A new procedure with a `roomId` fails this file until it has a sample
 * input below, so the matrix cannot silently fall behind the API.
 */

interface ProcedureDef {
  _def: { type: "query" | "mutation" | "subscription"; inputs: unknown[] };
}
const procedures = (appRouter._def as unknown as { procedures: Record<string, ProcedureDef> }).procedures;
const takesRoomId = (p: ProcedureDef) => p._def.inputs.some((i) => typeof i === "object" && i !== null && "shape" in i && "roomId" in (i.shape as object));
const roomProcedures = Object.entries(procedures)
  .filter(([, p]) => takesRoomId(p))
  .map(([path, p]) => ({ path, type: p._def.type }));

interface Cast {
  owner: TestUser;
  outsider: TestUser;
}
/** A valid input for each procedure, so a refusal is about access, not validation. */
const samples: Record<string, (roomId: number, c: Cast) => unknown> = {
  "rooms.get": (roomId) => ({ roomId }),
  "rooms.update": (roomId) => ({ roomId, name: "pwned", description: "pwned" }),
  "rooms.delete": (roomId) => ({ roomId }),
  "rooms.join": (roomId) => ({ roomId }),
  "rooms.leave": (roomId) => ({ roomId }),
  "rooms.members": (roomId) => ({ roomId }),
  "rooms.addMember": (roomId, c) => ({ roomId, username: c.outsider.username }),
  "rooms.removeMember": (roomId, c) => ({ roomId, userId: c.owner.id }),
  "rooms.setAdmin": (roomId, c) => ({ roomId, userId: c.outsider.id, isAdmin: true }),
  "rooms.typing": (roomId) => ({ roomId, isTyping: true }),
  "rooms.watch": (roomId) => ({ roomId }),
  "messages.list": (roomId) => ({ roomId }),
  "messages.send": (roomId) => ({ roomId, content: "let me in", clientId: `intruder-${roomId}` }),
};

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

async function callOverHttp(u: TestUser, path: string, type: string, input: unknown) {
  const res = await fetch(`${server.url}/trpc/${path}${type === "query" ? `?input=${encodeURIComponent(JSON.stringify(input))}` : ""}`, {
    method: type === "query" ? "GET" : "POST",
    headers: { authorization: `Bearer ${u.accessToken}`, "content-type": "application/json" },
    body: type === "query" ? undefined : JSON.stringify(input),
  });
  const body = (await res.json()) as { error?: { data?: { code?: string } } };
  return { code: body.error?.data?.code ?? "OK", text: JSON.stringify(body) };
}

describe("access matrix generated from the router", () => {
  it("finds the room procedures and has a sample input for each", () => {
    expect(roomProcedures.length).toBeGreaterThanOrEqual(12);
    expect(roomProcedures.map((p) => p.path).filter((p) => !(p in samples))).toEqual([]);
  });

  it("refuses a non-member of a private room on every roomId procedure, over HTTP and WebSocket, and leaks nothing", async () => {
    const [owner, outsider] = await Promise.all([registerUser(server, "owner"), registerUser(server, "outsider")]);
    const room = await owner.http.rooms.create.mutate({ name: "secret-plans", description: "the-hidden-agenda", isPrivate: true });
    await owner.http.messages.send.mutate({ roomId: room.id, content: "classified-content", clientId: "c1" });
    const ownerStream = record(wsApi(server, owner.accessToken).api);
    open.push(ownerStream);
    await ownerStream.waitFor((e) => e.type === "ready");

    const wire = openWire(server, { token: outsider.accessToken });
    open.push(wire);
    const cast = { owner, outsider };
    const results: Record<string, string> = {};
    for (const { path, type } of roomProcedures) {
      const input = samples[path]?.(room.id, cast);
      const http = await callOverHttp(outsider, path, type, input);
      const ws = await wire.call(type === "query" ? "query" : "mutation", path, input);
      results[path] = `${http.code}/${wireCode(ws)}`;
      // Nothing about the room in the refusal.
      for (const secret of ["secret-plans", "the-hidden-agenda", "classified-content"]) {
        expect(http.text).not.toContain(secret);
        expect(JSON.stringify(ws)).not.toContain(secret);
      }
    }
    expect(results).toEqual(Object.fromEntries(roomProcedures.map((p) => [p.path, "NOT_FOUND/NOT_FOUND"])));
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

  it("refuses a non-member of a public room every write but join", async () => {
    const [owner, outsider] = await Promise.all([registerUser(server, "powner"), registerUser(server, "pout")]);
    const room = await owner.http.rooms.create.mutate({ name: "lobby" });
    const cast = { owner, outsider };
    const results: Record<string, string> = {};
    // join last: it makes the outsider a member.
    for (const { path, type } of [...roomProcedures].sort((a, b) => Number(a.path === "rooms.join") - Number(b.path === "rooms.join"))) {
      results[path] = (await callOverHttp(outsider, path, type, samples[path]?.(room.id, cast))).code;
    }
    const readable = ["rooms.get", "rooms.members", "messages.list", "rooms.join"];
    const { "rooms.leave": leave, "rooms.watch": watch, ...rest } = results;
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

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeOf, registerUser, type TestServer, startTestServer } from "./test/harness.ts";

/** Slash commands (issue 17): every built-in, and a custom command that answers, and one that is too slow. */

let server: TestServer;
let sub: Server;
let subUrl = "";
let answer: (text: string) => { delayMs: number; body: unknown } = () => ({ delayMs: 0, body: {} });
beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_ALLOW_HOSTS: "127.0.0.1" });
  sub = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const { delayMs, body } = answer((JSON.parse(Buffer.concat(chunks).toString()) as { text: string }).text);
      setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)), delayMs);
    });
  });
  await new Promise<void>((r) => sub.listen(0, "127.0.0.1", r));
  subUrl = `http://127.0.0.1:${(sub.address() as AddressInfo).port}/cmd`;
});
afterAll(async () => {
  sub.closeAllConnections();
  sub.close();
  await server.dispose();
});

let n = 0;
const cid = () => `cmd${++n}`;

describe("slash commands", () => {
  it("run each built-in", async () => {
    const [ann, bob] = await Promise.all([registerUser(server, "cann"), registerUser(server, "cbob")]);
    const room = await ann.http.rooms.create.mutate({ name: "cmd-room" });
    const other = await ann.http.rooms.create.mutate({ name: "Elsewhere" });
    const run = (u: typeof ann, roomId: number, text: string) => u.http.commands.run.mutate({ roomId, text, clientId: cid() });

    expect(await run(ann, room.id, "/me waves")).toMatchObject({ kind: "message", message: { content: `*${ann.username} waves*` } });
    expect(await run(ann, room.id, "/shrug fine")).toMatchObject({ kind: "message", message: { content: "fine ¯\\_(ツ)_/¯" } });
    expect(await run(ann, room.id, "/topic Release planning")).toMatchObject({ kind: "done" });
    expect((await ann.http.rooms.get.query({ roomId: room.id })).description).toBe("Release planning");
    expect(await run(ann, room.id, `/invite @${bob.username}`)).toMatchObject({ kind: "done", text: `Added ${bob.username}` });
    expect((await ann.http.rooms.members.query({ roomId: room.id })).map((m) => m.userId)).toContain(bob.id);
    // Not an admin: the room rules hold inside commands too.
    expect(await codeOf(run(bob, room.id, "/topic mine now"))).toBe("FORBIDDEN");
    expect(await run(bob, room.id, "/join #elsewhere")).toMatchObject({ kind: "done", text: "Joined #Elsewhere" });
    expect((await bob.http.rooms.get.query({ roomId: other.id })).isMember).toBe(true);
    expect(await run(bob, other.id, "/leave")).toMatchObject({ kind: "done" });
    expect((await bob.http.rooms.get.query({ roomId: other.id })).isMember).toBe(false);
    const dm = await run(bob, room.id, `/dm @${ann.username} psst`);
    expect(dm).toMatchObject({ kind: "message", message: { content: "psst" } });
    const dmRoom = dm.kind === "message" ? dm.message.roomId : 0;
    expect((await ann.http.messages.list.query({ roomId: dmRoom })).items.map((m) => m.content)).toContain("psst");
    expect(await codeOf(run(ann, room.id, "/nonsense"))).toBe("BAD_REQUEST");
    expect(await codeOf(run(ann, room.id, "/join #no-such-room"))).toBe("NOT_FOUND");
    expect((await ann.http.commands.list.query({ roomId: room.id })).map((c) => c.trigger)).toEqual(["me", "join", "leave", "topic", "invite", "dm", "shrug"]);
  });

  it("run a custom command: in-channel and ephemeral answers, and a too-slow one is told so within the deadline", async () => {
    const [ann, bob] = await Promise.all([registerUser(server, "cxann"), registerUser(server, "cxbob")]);
    const room = await ann.http.rooms.create.mutate({ name: "custom" });
    await ann.http.rooms.addMember.mutate({ roomId: room.id, username: bob.username });
    expect(await codeOf(bob.http.commands.create.mutate({ roomId: room.id, trigger: "deploy", url: subUrl }))).toBe("FORBIDDEN");
    expect(await codeOf(ann.http.commands.create.mutate({ roomId: room.id, trigger: "me", url: subUrl }))).toBe("CONFLICT");
    await ann.http.commands.create.mutate({ roomId: room.id, trigger: "deploy", url: subUrl });
    expect((await bob.http.commands.list.query({ roomId: room.id })).filter((c) => c.custom).map((c) => c.trigger)).toEqual(["deploy"]);

    answer = (text) => ({ delayMs: 0, body: { text: `deploying ${text}`, response_type: "in_channel" } });
    const inRoom = await bob.http.commands.run.mutate({ roomId: room.id, text: "/deploy v2", clientId: cid() });
    expect(inRoom).toMatchObject({ kind: "message", message: { content: "deploying v2" } });
    answer = () => ({ delayMs: 0, body: { text: "only you see this" } });
    expect(await bob.http.commands.run.mutate({ roomId: room.id, text: "/deploy", clientId: cid() })).toEqual({ kind: "ephemeral", text: "only you see this" });

    answer = () => ({ delayMs: 4000, body: { text: "too late", response_type: "in_channel" } });
    const t0 = Date.now();
    const slow = await bob.http.commands.run.mutate({ roomId: room.id, text: "/deploy slowly", clientId: cid() });
    expect(slow).toEqual({ kind: "ephemeral", text: "/deploy did not answer within 3 s" });
    expect(Date.now() - t0).toBeLessThan(3900);
    const texts = (await ann.http.messages.list.query({ roomId: room.id })).items.filter((m) => m.kind === "text").map((m) => m.content);
    expect(texts).toEqual(["deploying v2"]);
  });
});

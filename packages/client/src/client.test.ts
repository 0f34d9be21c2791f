import type { Message } from "@parley/api";
import { ServerProcess } from "@parley/server/testing";
import { afterEach, describe, expect, test } from "vitest";
import { SendFailedError } from "./errors.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";
import type { ParleyClient, Tokens } from "./types.ts";

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of disposers.splice(0).reverse()) await d();
});

async function server(env: Record<string, string> = {}) {
  const s = new ServerProcess(env);
  await s.start();
  disposers.push(() => s[Symbol.asyncDispose]());
  return s;
}

function track(c: ParleyClient) {
  disposers.push(() => c.close());
  return c;
}

describe("createParleyClient", () => {
  test("a message sent by one client reaches another once, and send resolves with the stored message", async () => {
    const s = await server();
    const alice = await newUser(s.url);
    const bob = await newUser(s.url);
    const a = track(clientFor(s.url, alice));
    const b = track(clientFor(s.url, { username: bob.user.username, password: "password123" }));
    await Promise.all([a.ready, b.ready]);
    expect(b.user?.id).toBe(bob.user.id);
    expect(a.connection.get().status).toBe("open");

    const room = await a.api.rooms.create.mutate({ name: "general" });
    await b.api.rooms.join.mutate({ roomId: room.id });
    const seen: Message[] = [];
    // Only text: bob's own "joined" notice may still be on its way.
    b.events.on("message.created", (e) => e.message.kind === "text" && seen.push(e.message), { roomId: room.id });

    const sent = await a.send(room.id, "hello");
    expect(sent).toMatchObject({ roomId: room.id, content: "hello", sender: { id: alice.user.id } });
    await waitFor(() => seen.length === 1, 5000, "bob sees the message");
    expect(seen[0]).toEqual(sent);
    expect(a.outbox.get()).toEqual([]);
  });

  test("a refused message fails on its own and the messages after it are still delivered", async () => {
    const s = await server();
    const owner = await newUser(s.url);
    const other = await newUser(s.url);
    const c = track(clientFor(s.url, other));
    await c.ready;
    const o = track(clientFor(s.url, owner));
    await o.ready;
    const mine = await c.api.rooms.create.mutate({ name: "mine" });
    const notJoined = await o.api.rooms.create.mutate({ name: "theirs" });

    const first = c.send(mine.id, "one");
    const refused = c.send(notJoined.id, "not a member");
    const tooLong = c.send(mine.id, "x".repeat(5000));
    const last = c.send(mine.id, "two");
    await expect(refused).rejects.toMatchObject({ name: "SendFailedError", code: "FORBIDDEN" });
    await expect(tooLong).rejects.toBeInstanceOf(SendFailedError);
    expect((await first).content).toBe("one");
    expect((await last).content).toBe("two");
    const failed = c.outbox.get();
    expect(failed.map((i) => [i.status, i.error?.code])).toEqual([
      ["failed", "FORBIDDEN"],
      ["failed", "BAD_REQUEST"],
    ]);
    // Joining makes the refused one deliverable: retry sends it with the same clientId.
    await c.api.rooms.join.mutate({ roomId: notJoined.id });
    const clientId = failed[0]?.clientId ?? "";
    const retried = await c.outbox.retry(clientId);
    expect(retried.clientId).toBe(clientId);
    expect(c.outbox.discard(failed[1]?.clientId ?? "")).toBe(true);
    expect(c.outbox.get()).toEqual([]);
  });

  test("wrong credentials reject ready and report unauthenticated", async () => {
    const s = await server();
    const u = await newUser(s.url);
    const tokens: (Tokens | null)[] = [];
    const c = track(clientFor(s.url, { username: u.user.username, password: "wrong-password" }, { onTokens: (t) => tokens.push(t) }));
    await expect(c.ready).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    expect(c.connection.get().status).toBe("unauthenticated");
    expect(tokens).toEqual([null]);
  });

  test("logout ends the session on the server and closes the client for good", async () => {
    const s = await server();
    const u = await newUser(s.url);
    const tokens: (Tokens | null)[] = [];
    const c = track(clientFor(s.url, u, { onTokens: (t) => tokens.push(t) }));
    await c.ready;
    await c.logout();
    expect(c.connection.get().status).toBe("closed");
    expect(tokens.at(-1)).toBeNull();
    // The refresh token no longer works.
    const again = track(clientFor(s.url, { accessToken: "x", refreshToken: u.refreshToken }));
    await expect(again.ready).rejects.toThrow();
    expect(again.connection.get().status).toBe("unauthenticated");
  });

  test("a client resuming from a position the server never had is told to resync, then follows new events", async () => {
    const s = await server({ SEND_RATE_BURST: "1000" });
    const u = await newUser(s.url);
    const c = track(clientFor(s.url, u, { lastEventId: 999_999 }));
    const resyncs: { reason: string; id: number }[] = [];
    c.events.on("resync", (e) => resyncs.push(e));
    const seen: Message[] = [];
    c.events.on("message.created", (e) => seen.push(e.message));
    await c.ready;
    await waitFor(() => resyncs.length === 1, 5000, "resync");
    expect(resyncs[0]?.reason).toBe("ahead");
    expect(c.connection.get().lastEventId).toBe(resyncs[0]?.id);

    // What an app does on resync: refetch. catchUp reads back across pages, oldest first.
    const room = await c.api.rooms.create.mutate({ name: "r" });
    // Each send awaited before the next: the room's outbox worker must not be mistaken for running as it quits.
    const sent: Message[] = [];
    for (let i = 0; i < 130; i++) sent.push(await c.send(room.id, `m${i}`));
    await waitFor(() => seen.filter((m) => m.kind === "text").length === 130, 5000, "live events after the resync");
    const after = sent[9]?.id ?? 0;
    const got = await c.catchUp(room.id, after);
    expect(got).toEqual({ messages: sent.slice(10), complete: true });
    const capped = await c.catchUp(room.id, after, 50);
    expect(capped.complete).toBe(false);
    expect(capped.messages).toEqual(sent.slice(-50));
  });
});


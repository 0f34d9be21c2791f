import type { Message } from "@parley/api";
import { describe, expect, test } from "vitest";
import { httpClient } from "./http.ts";
import { recordMessages, useDisposer } from "./test/fixtures.ts";
import { ChaosProxy } from "./test/proxy.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";
import type { ConnectionStatus, Tokens } from "./types.ts";

const t = useDisposer();

describe("token refresh", () => {
  test("events keep flowing across several refreshes of a short-lived token, on the same socket", async () => {
    const s = await t.server({ ACCESS_TOKEN_TTL: "3s" });
    const alice = await newUser(s.url);
    const bob = await newUser(s.url);
    const bobTokens: Tokens[] = [];
    const a = t.client(clientFor(s.url, alice));
    const b = t.client(clientFor(s.url, bob, { onTokens: (tk) => tk && bobTokens.push(tk) }));
    await Promise.all([a.ready, b.ready]);
    const room = await a.api.rooms.create.mutate({ name: "ttl" });
    await b.api.rooms.join.mutate({ roomId: room.id });
    const statuses: ConnectionStatus[] = [];
    b.connection.subscribe((c) => statuses.push(c.status));
    const seen = recordMessages(b);

    const sent: Message[] = [];
    const until = Date.now() + 8000;
    for (let i = 0; Date.now() < until; i++) {
      sent.push(await a.send(room.id, `tick ${i}`));
      await new Promise((r) => setTimeout(r, 50));
    }
    const texts = () => (seen.get(room.id) ?? []).filter((m) => m.kind === "text");
    await waitFor(() => texts().length >= sent.length, 5000, "bob catches up");
    expect(texts()).toEqual(sent);
    // Each refresh rotated the tokens; the socket never dropped.
    expect(bobTokens.length).toBeGreaterThanOrEqual(4);
    expect(new Set(bobTokens.map((x) => x.refreshToken)).size).toBe(bobTokens.length);
    expect(statuses.every((x) => x === "open")).toBe(true);
    // Calls after the original token expired still pass.
    expect(await b.api.auth.me.query()).toMatchObject({ id: bob.user.id });
  });

  test("a client resumes with a refreshed token after its token expired while it was disconnected", async () => {
    const s = await t.server({ ACCESS_TOKEN_TTL: "2s" });
    const proxy = new ChaosProxy(() => s.port);
    await proxy.listen();
    t.add(() => proxy[Symbol.asyncDispose]());
    const alice = await newUser(s.url);
    const bob = await newUser(s.url);
    const a = t.client(clientFor(s.url, alice));
    await a.ready;
    const room = await a.api.rooms.create.mutate({ name: "gap" });
    const tokens: Tokens[] = [];
    const b = t.client(clientFor(proxy.url, bob, { onTokens: (tk) => tk && tokens.push(tk) }));
    await b.ready;
    await b.api.rooms.join.mutate({ roomId: room.id });
    const seen = recordMessages(b);
    const before = await a.send(room.id, "before");
    await waitFor(() => (seen.get(room.id) ?? []).some((m) => m.id === before.id), 5000, "first message");

    // The network is down for longer than the token lives; bob refreshes over HTTP when it is back, then resumes.
    proxy.blocked = true;
    proxy.dropAll();
    const during = await a.send(room.id, "while bob was away");
    await new Promise((r) => setTimeout(r, 2500));
    const refreshesWhileDown = tokens.length;
    proxy.blocked = false;
    await waitFor(() => (seen.get(room.id) ?? []).some((m) => m.id === during.id), 10_000, "bob resumes");
    expect((seen.get(room.id) ?? []).filter((m) => m.kind === "text").map((m) => m.content)).toEqual([
      "before",
      "while bob was away",
    ]);
    expect(tokens.length).toBeGreaterThan(refreshesWhileDown);
    expect(b.connection.get().status).toBe("open");
  });

  test("a refused refresh reports unauthenticated and stops retrying", async () => {
    const s = await t.server({ ACCESS_TOKEN_TTL: "2s" });
    const bob = await newUser(s.url);
    const tokens: (Tokens | null)[] = [];
    const b = t.client(clientFor(s.url, bob, { onTokens: (tk) => tokens.push(tk) }));
    await b.ready;
    // Someone else uses the refresh token first, then the one they got: the client's next use cannot be a
    // retry of a lost reply (its successor was used), so the server treats it as theft and revokes the session.
    const { refreshTokens } = await import("./http.ts");
    const stolen = await refreshTokens(s.url, bob.refreshToken);
    await refreshTokens(s.url, stolen.refreshToken);
    await waitFor(() => b.connection.get().status === "unauthenticated", 6000, "unauthenticated");
    expect(tokens.at(-1)).toBeNull();
    await new Promise((r) => setTimeout(r, 1000));
    expect(b.connection.get().status).toBe("unauthenticated");
  });
});

describe("a session shared by several clients", () => {
  test("clients sharing saved tokens and a refresh lock never spend the same refresh token twice", async () => {
    const s = await t.server({ ACCESS_TOKEN_TTL: "2s" });
    const alice = await newUser(s.url);
    const bob = await newUser(s.url);
    // Like two browser tabs: one saved token set, one lock.
    let saved: Tokens | null = bob;
    let chain: Promise<unknown> = Promise.resolve();
    const refreshLock = <T>(fn: () => Promise<T>): Promise<T> => {
      const run = chain.then(fn, fn);
      chain = run.catch(() => {});
      return run;
    };
    const shared = {
      onTokens: (tk: Tokens | null) => {
        saved = tk;
      },
      loadTokens: () => saved,
      refreshLock,
    };
    const a = t.client(clientFor(s.url, alice));
    await a.ready;
    const room = await a.api.rooms.create.mutate({ name: "tabs" });
    // Joined before the tabs start: a direct api call can fail on a socket that closes meanwhile
    // (a tab that adopted the other's tokens is closed with 4002 when its old token expires).
    await httpClient(s.url, bob.accessToken).rooms.join.mutate({ roomId: room.id });
    const tab1 = t.client(clientFor(s.url, bob, shared));
    const tab2 = t.client(clientFor(s.url, bob, shared));
    await Promise.all([tab1.ready, tab2.ready]);
    const statuses: string[] = [];
    for (const tab of [tab1, tab2]) tab.connection.subscribe((c) => statuses.push(c.status));
    const logs = [recordMessages(tab1), recordMessages(tab2)];
    const sent: Message[] = [];
    const until = Date.now() + 6000;
    for (let i = 0; Date.now() < until; i++) {
      sent.push(await a.send(room.id, `tick ${i}`));
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const log of logs) {
      const texts = () => (log.get(room.id) ?? []).filter((m) => m.kind === "text");
      await waitFor(() => texts().length >= sent.length, 5000, "tab catches up");
      expect(texts()).toEqual(sent);
    }
    // Neither tab was ever signed out (a reused refresh token would revoke the session).
    expect(statuses.includes("unauthenticated")).toBe(false);
    expect(saved).not.toBeNull();
  });
});

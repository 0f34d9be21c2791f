import { afterEach, describe, expect, test } from "vitest";
import { recordMessages, useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";
import { ChaosProxy } from "./test/proxy.ts";
import type { ConnectionState } from "./types.ts";

const t = useDisposer();

/** The bits of a browser's window the client listens to: `online`/`offline` and navigator.onLine. */
function fakeBrowserNetwork() {
  const target = new EventTarget();
  const g = globalThis as Record<string, unknown>;
  const nav = { onLine: true };
  Object.assign(g, {
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    navigator: nav,
  });
  return {
    set(online: boolean) {
      nav.onLine = online;
      target.dispatchEvent(new Event(online ? "online" : "offline"));
    },
  };
}

afterEach(() => {
  const g = globalThis as Record<string, unknown>;
  delete g.addEventListener;
  delete g.removeEventListener;
  delete g.navigator;
});

describe("network changes", () => {
  test("going back online reconnects at once instead of waiting out the backoff, and the stream resumes", async () => {
    const net = fakeBrowserNetwork();
    const s = await t.server();
    const proxy = new ChaosProxy(() => s.port);
    await proxy.listen();
    t.add(() => proxy[Symbol.asyncDispose]());
    const alice = await newUser(s.url);
    const bob = await newUser(s.url);
    const a = t.client(clientFor(s.url, alice));
    const b = t.client(clientFor(proxy.url, bob, { reconnect: { baseMs: 20_000, maxMs: 60_000 } }));
    await Promise.all([a.ready, b.ready]);
    const room = await a.api.rooms.create.mutate({ name: "wifi" });
    await b.api.rooms.join.mutate({ roomId: room.id });
    const seen = recordMessages(b);
    const states: ConnectionState[] = [];
    b.connection.subscribe((c) => states.push(c));

    proxy.blocked = true;
    proxy.dropAll();
    net.set(false);
    await waitFor(() => b.connection.get().status === "offline" && (b.connection.get().attempt ?? 0) >= 1, 5000, "offline, waiting");
    const waiting = b.connection.get();
    expect((waiting.nextRetryAt ?? 0) - Date.now()).toBeGreaterThan(5000);
    const missed = await a.send(room.id, "sent while bob was offline");

    proxy.blocked = false;
    const back = Date.now();
    net.set(true);
    await waitFor(() => b.connection.get().status === "open", 3000, "open again");
    expect(Date.now() - back).toBeLessThan(3000);
    await waitFor(() => (seen.get(room.id) ?? []).some((m) => m.id === missed.id), 3000, "the missed message");
    expect(states.map((x) => x.status)).toContain("offline");
  });

  test("a graceful server restart (SIGTERM) loses nothing: the stream resumes and pending sends go through", async () => {
    const s = await t.server();
    const alice = await newUser(s.url);
    const bob = await newUser(s.url);
    const a = t.client(clientFor(s.url, alice));
    const b = t.client(clientFor(s.url, bob));
    await Promise.all([a.ready, b.ready]);
    const room = await a.api.rooms.create.mutate({ name: "deploy" });
    await b.api.rooms.join.mutate({ roomId: room.id });
    const seen = recordMessages(b);
    const sends = Array.from({ length: 20 }, (_, i) => a.send(room.id, `m${i}`));
    await s.kill("SIGTERM");
    await s.start();
    const stored = await Promise.all(sends);
    const texts = () => (seen.get(room.id) ?? []).filter((m) => m.kind === "text");
    await waitFor(() => texts().length >= 20, 5000, "bob has all 20");
    expect(texts()).toEqual(stored);
    expect(b.connection.get().status).toBe("open");
  });

  test("a query in flight when the connection dies is asked again on the next one", async () => {
    const s = await t.server();
    const proxy = new ChaosProxy(() => s.port);
    await proxy.listen();
    t.add(() => proxy[Symbol.asyncDispose]());
    const alice = await newUser(s.url);
    const c = t.client(clientFor(proxy.url, alice));
    await c.ready;
    await c.api.rooms.create.mutate({ name: "q" });

    proxy.stalled = true;
    const rooms = c.api.rooms.list.query();
    // The server's answer reached the proxy and was swallowed: the query was in flight on this connection, and its reply lost.
    await waitFor(() => proxy.swallowed.includes('"name":"q"'), 5000, "the swallowed reply");
    proxy.stalled = false;
    // Exactly one connection goes through the proxy, the client's socket; cutting it must not lose the query.
    expect(proxy.dropAll()).toBe(1);
    expect((await rooms).map((r) => r.name)).toEqual(["general", "q"]);
  });
});


import { describe, expect, test } from "vitest";
import WebSocket from "ws";
import { recordMessages, useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";
import { wsUrl } from "./http.ts";

const t = useDisposer();

/** A raw socket on /ws (optionally authenticated the way tRPC's client does it) and the code it was closed with. */
async function rawSocket(url: string, token?: string) {
  const ws = new WebSocket(wsUrl(url));
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  if (token) ws.send(JSON.stringify({ method: "connectionParams", data: { token } }));
  return { ws, closed };
}

describe("server restarts", () => {
  test("SIGTERM closes every socket, signed in or not, with 1012 (Service Restart)", async () => {
    const s = await t.server();
    const alice = await newUser(s.url);
    const signedIn = await rawSocket(s.url, alice.accessToken);
    const anonymous = await rawSocket(s.url);
    // A positive sync point: the signed-in socket answers a call, so it is fully set up on the server.
    signedIn.ws.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me", input: null } }));
    await new Promise<void>((resolve) => signedIn.ws.once("message", () => resolve()));
    await s.kill("SIGTERM");
    expect(await signedIn.closed).toBe(1012);
    expect(await anonymous.closed).toBe(1012);
  });

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    test(`after a ${signal} the client reconnects within 2 s of the server being back, not after its backoff, and loses nothing`, async () => {
      const s = await t.server();
      const alice = await newUser(s.url);
      const bob = await newUser(s.url);
      const a = t.client(clientFor(s.url, alice));
      // A backoff this long would keep bob away for 10–20 s after his second attempt.
      const b = t.client(clientFor(s.url, bob, { reconnect: { baseMs: 20_000, maxMs: 60_000 } }));
      await Promise.all([a.ready, b.ready]);
      const room = await a.api.rooms.create.mutate({ name: `restart-${signal}` });
      await b.api.rooms.join.mutate({ roomId: room.id });
      const seen = recordMessages(b);

      await s.kill(signal);
      // Bob has given up for now: his next attempt is more than 5 s away.
      await waitFor(() => (b.connection.get().nextRetryAt ?? 0) - Date.now() > 5000, 10_000, "a long backoff");
      expect(b.connection.get().status).not.toBe("open");
      const queued = b.send(room.id, "queued while the server was down");

      await s.start();
      const back = Date.now();
      await waitFor(() => b.connection.get().status === "open", 5000, "bob connected again").catch((err: unknown) => {
        throw new Error(`${String(err)}: ${JSON.stringify(b.connection.get())}`);
      });
      const tookMs = Date.now() - back;
      expect(tookMs).toBeLessThan(2000);

      const stored = await queued;
      const fromAlice = await a.send(room.id, "after the restart");
      await waitFor(() => (seen.get(room.id) ?? []).some((m) => m.id === fromAlice.id), 5000, "alice's message");
      const texts = (seen.get(room.id) ?? []).filter((m) => m.kind === "text");
      expect(texts.map((m) => m.id)).toEqual([stored.id, fromAlice.id]);
    });
  }
});

import type { Message } from "@parley/api";
import { seededRandom } from "@parley/server/testing";
import { describe, expect, test } from "vitest";
import { history, recordMessages, useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";
import { ChaosProxy } from "./test/proxy.ts";
import type { ParleyClient } from "./types.ts";

const t = useDisposer();
const TOTAL = 1000;
const CLIENTS = 3;
const ROOMS = 3;

describe("chaos", () => {
  test(
    "three clients exchange 1,000 messages through dropped connections and a server crash, and every log equals the database",
    async () => {
      // Which connection drops when, and the senders' pauses: replayable from the seed printed on failure.
      const { random } = seededRandom(1105);
      const server = await t.server({ SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000" });
      const proxy = new ChaosProxy(() => server.port, random);
      await proxy.listen();
      t.add(() => proxy[Symbol.asyncDispose]());

      // Setup goes straight to the server; the clients under test go through the proxy.
      const users = await Promise.all(Array.from({ length: CLIENTS }, () => newUser(server.url)));
      const admin = t.client(clientFor(server.url, users[0] ?? (await newUser(server.url))));
      await admin.ready;
      const rooms = await Promise.all(Array.from({ length: ROOMS }, (_, i) => admin.api.rooms.create.mutate({ name: `chaos ${i}` })));
      const clients: ParleyClient[] = users.map((u) => t.client(clientFor(proxy.url, u, { sendTimeoutMs: 3000 })));
      await Promise.all(clients.map((c) => c.ready));
      for (const c of clients.slice(1)) for (const r of rooms) await c.api.rooms.join.mutate({ roomId: r.id });
      const baseline = new Map<number, number>();
      for (const r of rooms) baseline.set(r.id, (await history(admin, r.id)).at(-1)?.id ?? 0);
      const logs = clients.map((c) => recordMessages(c));
      await admin.close();

      // Chaos: random connection drops all along, and one SIGKILL + restart of the server.
      let chaos = true;
      let crashed = false;
      const sent: Promise<Message>[] = [];
      const chaosLoop = (async () => {
        while (chaos) {
          await new Promise((r) => setTimeout(r, 100 + random() * 300));
          if (!chaos) break;
          if (random() < 0.2) proxy.dropAll();
          else proxy.dropOne();
          if (!crashed && sent.length >= TOTAL * 0.4) {
            crashed = true;
            await server.kill("SIGKILL");
            await new Promise((r) => setTimeout(r, 300));
            await server.start();
          }
        }
      })();

      const texts: string[][] = clients.map(() => []);
      const senders = clients.map(async (c, k) => {
        for (let i = k; i < TOTAL; i += CLIENTS) {
          const room = rooms[i % ROOMS];
          if (!room) throw new Error("no room");
          const text = `client ${k} message ${i}`;
          texts[k]?.push(text);
          sent.push(c.send(room.id, text));
          if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5 + random() * 20));
        }
      });
      await Promise.all(senders);
      const stored = await Promise.all(sent);
      chaos = false;
      await chaosLoop;
      expect(crashed).toBe(true);

      // The truth: each room's history as stored, from after the setup.
      const reader = t.client(clientFor(server.url, users[0] ?? (await newUser(server.url))));
      await reader.ready;
      const truth = new Map<number, Message[]>();
      for (const r of rooms) {
        truth.set(
          r.id,
          (await history(reader, r.id)).filter((m) => m.id > (baseline.get(r.id) ?? 0)),
        );
      }
      const all = [...truth.values()].flat();
      expect(all.filter((m) => m.kind === "text")).toHaveLength(TOTAL);
      expect(new Set(all.map((m) => m.content)).size).toBe(all.length);

      // Every send resolved with exactly the stored message.
      const byId = new Map(all.map((m) => [m.id, m]));
      for (const m of stored) expect(byId.get(m.id)).toEqual(m);
      expect(new Set(stored.map((m) => m.id)).size).toBe(TOTAL);

      // Every client's log equals the stored order: no gap, no duplicate.
      // (Setup's own "joined" notices may reach a log after it started: only what followed the setup counts.)
      for (const [k, log] of logs.entries()) {
        for (const r of rooms) {
          const want = truth.get(r.id) ?? [];
          const got = () => (log.get(r.id) ?? []).filter((m) => m.id > (baseline.get(r.id) ?? 0));
          await waitFor(() => got().length >= want.length, 15_000, `client ${k} catches up in room ${r.id}`);
          expect(got()).toEqual(want);
        }
        expect(clients[k]?.outbox.get()).toEqual([]);
      }
      console.log(`chaos: ${TOTAL} messages, ${proxy.drops} connections dropped, 1 server crash`);
    },
    90_000,
  );
});

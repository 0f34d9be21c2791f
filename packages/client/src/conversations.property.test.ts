import type { Message } from "@parley/api";
import { mulberry32 } from "@parley/server/testing";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { SendFailedError } from "./errors.ts";
import { createRoomState } from "./room-state.ts";
import { history, useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";
import { ChaosProxy } from "./test/proxy.ts";
import { findInDatabase } from "./test/scan.ts";
import type { ParleyClient } from "./types.ts";

/**
 * The conversation promise as a property: for random interleavings of send,
 * edit, delete, react, unreact and reply from several clients (through the
 * client library's outbox), with dropped sockets and one server restart (a
 * SIGTERM or a SIGKILL, with a batch in flight), each client's room state
 * built from its stream (`createRoomState`) equals history read afterwards
 * (timeline pages and every thread's listing, `me` included), and no deleted
 * text is left anywhere: not in the database (messages, revisions, every
 * event payload), not in a replay of the whole log, not in any event a
 * client received after it heard of the delete.
 *
 * CI: a few short runs. PARLEY_SOAK=1: many longer ones, from a new seed
 * each time. The seed is printed; PARLEY_TEST_SEED=<seed> replays the same
 * command sequences (socket timing still varies from run to run).
 */

const t = useDisposer();
const SOAK = process.env.PARLEY_SOAK === "1";
const NUM_RUNS = SOAK ? 40 : 8;
const MAX_BATCHES = SOAK ? 40 : 14;
const USERS = 3;
/** Client i belongs to user OWNERS[i]: user 0 (the room's admin) on two devices. */
const OWNERS = [0, 1, 2, 0] as const;
const EMOJI = ["👍", "🎉", ":fire:"] as const;

type Command =
  | { kind: "send"; client: number }
  | { kind: "reply"; client: number; pick: number; alsoToRoom: boolean }
  | { kind: "edit" | "delete"; client: number; pick: number }
  | { kind: "react" | "unreact"; client: number; pick: number; emoji: number }
  | { kind: "drop"; all: boolean };

const client = fc.nat(OWNERS.length - 1);
const pick = fc.nat(1000);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("send" as const), client }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("reply" as const), client, pick, alsoToRoom: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("edit" as const), client, pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), client, pick }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constantFrom("react" as const, "unreact" as const), client, pick, emoji: fc.nat(EMOJI.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop" as const), all: fc.boolean() }) },
);
/** Batches of commands issued together (their outcomes interleave); the restart comes with batch `restartAt`. */
const runArb = fc.record({
  batches: fc.array(fc.array(commandArb, { minLength: 1, maxLength: 4 }), { minLength: 6, maxLength: MAX_BATCHES }),
  restartAt: fc.nat(),
  kill: fc.boolean(),
});
type Run = typeof runArb extends fc.Arbitrary<infer R> ? R : never;

/** A message the run wrote: every text it ever had is a unique token, so a leak can be searched for. */
interface Written {
  id: number;
  userId: number;
  texts: string[];
  deleted: boolean;
}

async function threadListing(c: ParleyClient, roomId: number, threadId: number): Promise<Message[]> {
  const pages: Message[][] = [];
  let before: number | null = null;
  for (;;) {
    const page: { items: Message[]; nextCursor: number | null } = await c.api.messages.list.query({ roomId, threadId, before, limit: 100 });
    pages.unshift(page.items);
    if (page.nextCursor === null) return pages.flat();
    before = page.nextCursor;
  }
}

/** Each event a client received, in order, as sent (JSON). */
function recordStream(c: ParleyClient): string[] {
  const log: string[] = [];
  c.events.on("*", (e) => log.push(JSON.stringify(e)));
  return log;
}

/** Tokens of deleted messages found in events received after the client heard of their delete. */
function leaksAfterDelete(log: readonly string[], written: readonly Written[]): string[] {
  const byId = new Map(written.map((w) => [w.id, w]));
  const gone: string[] = [];
  const leaks: string[] = [];
  for (const json of log) {
    for (const token of gone) if (json.includes(token)) leaks.push(`${token} in ${json.slice(0, 120)}`);
    const e = JSON.parse(json) as { type: string; messageId?: number };
    if (e.type === "message.deleted" && e.messageId !== undefined) gone.push(...(byId.get(e.messageId)?.texts ?? []));
  }
  return leaks;
}

describe("conversations under drops and a restart", () => {
  test("each client's room state equals history, and deleted text is gone everywhere", { timeout: SOAK ? 3_600_000 : 120_000 }, async () => {
    const seed = process.env.PARLEY_TEST_SEED ? Number(process.env.PARLEY_TEST_SEED) : SOAK ? Date.now() % 2 ** 31 : 1201;
    console.log(`conversations property: seed ${seed} (PARLEY_TEST_SEED=${seed} replays)`);
    const server = await t.server();
    const proxy = new ChaosProxy(() => server.port, mulberry32(seed));
    await proxy.listen();
    t.add(() => proxy[Symbol.asyncDispose]());
    let runs = 0;

    async function run(r: Run): Promise<void> {
      runs++;
      const users = await Promise.all(Array.from({ length: USERS }, () => newUser(server.url)));
      const userOf = (i: number) => {
        const u = users[OWNERS[i] ?? 0];
        if (!u) throw new Error(`no user for client ${i}`);
        return u;
      };
      const setup = t.client(clientFor(server.url, userOf(0)));
      await setup.ready;
      const room = await setup.api.rooms.create.mutate({ name: `conversations ${runs}` });
      const clients = OWNERS.map((_, i) => t.client(clientFor(proxy.url, userOf(i), { sendTimeoutMs: 3000 })));
      await Promise.all(clients.map((c) => c.ready));
      for (const c of clients.slice(1, USERS)) await c.api.rooms.join.mutate({ roomId: room.id });
      const streams = clients.map(recordStream);
      const states = clients.map((c) => createRoomState(c, room.id, { followThreads: true, pageSize: 100 }));
      t.add(async () => {
        for (const s of states) s.close();
      });
      await Promise.all(states.map((s) => s.ready));

      const written: Written[] = [];
      let n = 0;
      const token = () => `[t${runs}.${++n}]`;
      const at = <T>(list: readonly T[], i: number): T | undefined => list[i % Math.max(1, list.length)];
      /** A refusal is expected only when a delete got there first (CONFLICT, BAD_REQUEST, NOT_FOUND). */
      const unlessDeleted = (c: ParleyClient, target: Written, p: Promise<unknown>) =>
        p.then(
          () => {},
          (err: unknown) => {
            if (!(err instanceof SendFailedError && target.deleted)) throw err;
            c.outbox.discard(err.clientId);
          },
        );

      function issue(cmd: Command): Promise<void> | undefined {
        if (cmd.kind === "drop") return void (cmd.all ? proxy.dropAll() : proxy.dropOne());
        const c = clients[cmd.client];
        if (!c) throw new Error(`no client ${cmd.client}`);
        const userId = userOf(cmd.client).user.id;
        const live = written.filter((w) => !w.deleted);
        const keep = (m: Message, text: string) => void written.push({ id: m.id, userId, texts: [text], deleted: false });
        switch (cmd.kind) {
          case "send": {
            const text = token();
            return c.send(room.id, text).then((m) => keep(m, text));
          }
          case "reply": {
            const target = at(written, cmd.pick);
            if (!target) return;
            const text = token();
            return unlessDeleted(c, target, c.reply(room.id, target.id, text, { alsoToRoom: cmd.alsoToRoom }).then((m) => keep(m, text)));
          }
          case "edit": {
            const target = at(live.filter((w) => w.userId === userId), cmd.pick);
            if (!target) return;
            const text = token();
            target.texts.push(text);
            return unlessDeleted(c, target, c.edit(target.id, text));
          }
          case "delete": {
            const mayDelete = OWNERS[cmd.client] === 0 ? live : live.filter((w) => w.userId === userId);
            const target = at(mayDelete, cmd.pick);
            if (!target) return;
            target.deleted = true;
            return c.delete(target.id).then(() => {});
          }
          case "react":
          case "unreact": {
            // Among the oldest few, so messages gather several people's reactions (and their order matters).
            const target = at(live.slice(0, 2), cmd.pick);
            const emoji = EMOJI[cmd.emoji] ?? "👍";
            if (!target) return;
            return unlessDeleted(c, target, cmd.kind === "react" ? c.react(target.id, emoji) : c.unreact(target.id, emoji));
          }
        }
      }

      for (const [i, batch] of r.batches.entries()) {
        const ops = batch.map(issue);
        if (i === r.restartAt % r.batches.length) await server.restart(r.kill ? "SIGKILL" : "SIGTERM");
        await Promise.all(ops);
      }

      // The sync point: a message after everything, which each client must have applied.
      const marker = await setup.send(room.id, "marker");
      const late = t.client(clientFor(server.url, userOf(1), { lastEventId: 0 }));
      const replay = recordStream(late);
      await late.ready;
      const hasMarker = (m: Message) => m.id === marker.id;
      await waitFor(() => states.every((s) => s.get().messages.some(hasMarker)), 20_000, "every state has the marker");
      await waitFor(() => replay.some((e) => e.includes('"content":"marker"')), 20_000, "the replay reaches the marker");

      for (const [i, c] of clients.entries()) {
        const s = states[i]?.get();
        const truth = await history(c, room.id);
        expect(s?.messages, `client ${i}'s timeline`).toEqual(truth);
        for (const root of truth.filter((m) => m.threadId === null)) {
          expect(s?.threads.get(root.id), `client ${i}'s thread of ${root.id}`).toEqual(await threadListing(c, room.id, root.id));
        }
        expect(c.outbox.get(), `client ${i}'s outbox`).toEqual([]);
        expect(leaksAfterDelete(streams[i] ?? [], written), `client ${i}'s stream after deletes`).toEqual([]);
      }
      const gone = written.filter((w) => w.deleted).flatMap((w) => w.texts);
      expect(gone.filter((tok) => replay.some((e) => e.includes(tok))), "deleted text in a replay from 0").toEqual([]);
      expect(findInDatabase(server.dbFile, gone).found, "deleted text in the database").toEqual([]);
      // The scans can see text: what was not deleted is found by the same means.
      const kept = written.filter((w) => !w.deleted).flatMap((w) => w.texts.slice(-1));
      if (kept.length > 0) {
        expect(findInDatabase(server.dbFile, kept).found.length).toBeGreaterThanOrEqual(kept.length);
        expect(kept.every((tok) => replay.some((e) => e.includes(tok)))).toBe(true);
      }
      const ops = r.batches.flat();
      const reactions = (states[0]?.get().messages ?? []).flatMap((m) => m.reactions.map((x) => x.count));
      console.log(
        `run ${runs}: ${ops.length} commands, ${written.length} messages (${gone.length} deleted texts), ${reactions.length} emoji in the timeline, ${proxy.drops} drops so far, restart ${r.kill ? "SIGKILL" : "SIGTERM"}`,
      );
      for (const c of [late, setup, ...clients]) await c.close();
    }

    await fc.assert(fc.asyncProperty(runArb, run), { numRuns: NUM_RUNS, seed, endOnFailure: !SOAK, verbose: 1 });
  });
});

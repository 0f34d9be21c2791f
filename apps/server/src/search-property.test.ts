import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSearchQuery, textMatches } from "@parley/api/search";
import { registerUser, type TestServer, type TestUser, startTestServer } from "./test/harness.ts";
import { seededRandom } from "./test/random.ts";

/**
 * Random messages and random queries, answered by the engine (FTS5 on
 * SQLite; tsvector and pg_trgm in the "@parley/server:postgres" project)
 * and by the naive in-memory matcher the query language is defined by
 * (`textMatches`): they must agree on every query, every page walked.
 */

const VOCABULARY = ["apple", "Apfel", "café", "CAFE", "naïve", "naive", "déjà", "vu", "red", "car", "db.json", "DB", "json", "foo-bar", "foo", "bar", "C++", "東京タワー", "東京", "京都", "deploy", "deployed", "deployment", "x"];
/** Substrings (ASCII or CJK: their folding is the same on every engine). */
const SUBSTRINGS = ["db.json", "b.js", "foo-bar", "o-b", "c++", "東京", "京タワ", "京都", "ploy"];
const WORDS = ["apple", "apfel", "cafe", "café", "naive", "deja", "vu", "red", "car", "db", "json", "foo", "bar", "deploy", "deployed", "x", "dep", "caf", "app"];

let server: TestServer;
let alice: TestUser;
let room: number;
const contents = new Map<number, string>();

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000" });
  alice = await registerUser(server, "prop");
  room = (await alice.http.rooms.create.mutate({ name: `property-${alice.id}` })).id;
});
afterAll(() => server.dispose());

describe("search against the reference matcher", () => {
  it("agrees on random messages and queries (seeded)", async () => {
    const { random } = seededRandom(1515);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    for (let i = 0; i < 80; i++) {
      const n = 1 + Math.floor(random() * 6);
      const content = Array.from({ length: n }, () => pick(VOCABULARY)).join(pick([" ", " ", ", ", " - "]));
      const m = await alice.http.messages.send.mutate({ roomId: room, content, clientId: randomUUID() });
      contents.set(m.id, m.content);
    }
    for (let q = 0; q < 60; q++) {
      const terms: string[] = [];
      const count = 1 + Math.floor(random() * 3);
      for (let t = 0; t < count; t++) {
        const r = random();
        const term = r < 0.5 ? pick(WORDS) : r < 0.7 ? `"${pick(WORDS)} ${pick(WORDS)}"` : pick(SUBSTRINGS);
        terms.push(t > 0 && random() < 0.3 ? `-${term}` : term);
      }
      const query = terms.join(" ") + (random() < 0.5 ? " " : "");
      const tree = parseSearchQuery(query);
      const expected = [...contents.entries()].filter(([, c]) => textMatches(tree, c)).map(([id]) => id).sort((a, b) => b - a);
      const found: number[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const page: { items: { message: { id: number } }[]; nextCursor: string | null } = await alice.http.messages.search.query({ query, roomId: room, limit: 25, cursor });
        found.push(...page.items.map((h) => h.message.id));
        cursor = page.nextCursor;
        if (cursor === null) break;
      }
      expect({ query, ids: found }).toEqual({ query, ids: expected });
    }
  });
});

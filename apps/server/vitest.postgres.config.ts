import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";

// The core integration suites again, on PostgreSQL, plus the multi-node
// suites (PostgreSQL + Redis, server processes from dist/main.js). Without
// the Debian packages every file is skipped.
const available = existsSync("/usr/lib/postgresql") && existsSync("/usr/bin/redis-server");

export default defineConfig({
  test: {
    name: "@parley/server:postgres",
    include: available
      ? [
          "src/{auth,rooms,room-rules,messages,stream,subscriptions,replay-cost,edits,reactions,threads,dms,first-run,account,search,search-property,search-backfill,registration,moderation,my-data}.test.ts",
          // Issue 14: mentions, read markers, receipts, settings, followed threads (counters and index ranges on both databases).
          "src/attention.test.ts",
          "src/mention-counter.test.ts",
          // rooms.list: objects on PostgreSQL, JSON built by SQLite on SQLite; the same items over every transport.
          "src/rooms-list-wire.test.ts",
          "src/push.test.ts",
          // The access matrix and the visibility test: a few seconds each, and the access rules are SQL on both databases.
          "src/reliability/{access,access-messages,access-anonymous,access-admin,visibility}.test.ts",
          // Files (issue 16): the download rule, attachments and the lifecycle are SQL on both databases.
          "src/files/{access,attach,lifecycle,avatars}.test.ts",
          "src/cluster/**/*.test.ts",
          // Tokens, bots and webhooks (issue 17), and their scope matrix.
          "src/integrations.test.ts",
          "src/outgoing-webhooks.test.ts",
          "src/commands.test.ts",
          "src/reliability/scopes.test.ts",
          // The author line (display name, isBot, a webhook's override): read by the send's access statement on both databases.
          "src/author-line.test.ts",
          // Response URLs: the use budget is one conditional UPDATE on both databases.
          "src/command-responses.test.ts",
        ]
      : [],
    passWithNoTests: true,
    globalSetup: available ? ["src/test/postgres-setup.ts"] : [],
    env: { PARLEY_TEST_DB: "postgres" },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

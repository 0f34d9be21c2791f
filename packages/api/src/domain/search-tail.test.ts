import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, openSqlite } from "@parley/db";
import { describe, expect, it } from "vitest";
import { SearchTail } from "./search-tail.ts";
import { Writer } from "./writer.ts";

describe("SearchTail.stop", () => {
  // A server closing while a pass runs must not turn that pass's failure into a second, unhandled one:
  // services.stop() awaits this promise (a failed pass has been reported to onError by whoever ran it).
  it("resolves, and does not reject, while a pass under way fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-tail-stop-"));
    try {
      const handle = openSqlite({ filename: join(dir, "chat.db") });
      await migrate(handle);
      const writes = new Writer(handle.writeTransaction, () => {}, Date.now);
      const tail = new SearchTail({ writes, enabled: true });
      // The database closes first: the pass's transaction fails.
      await handle.close();
      const pass = tail.run();
      const passFailed = expect(pass).rejects.toThrow();
      await expect(tail.stop()).resolves.toBeUndefined();
      await passFailed;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

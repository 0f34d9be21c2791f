import { writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LoadGroup } from "../group.ts";
import { buildServer, startParley } from "../proc.ts";
import { createUsersInRooms } from "../setup.ts";

/**
 * Tuning aid: heap snapshots of the server with no sockets and with N idle
 * streaming sockets (written to the given directory), to see what a
 * connection costs by constructor. Usage: tsx src/tools/heap.ts [N] [outDir] [nosub]
 * PARLEY_SERVER_JS=/path/to/main.js snapshots another build (e.g. an older
 * commit's) instead of building this one.
 */
const n = Number(process.argv[2] ?? 500);
const out = process.argv[3] ?? mkdtempSync(join(tmpdir(), "parley-heap-"));
// "nosub": authenticated sockets without events.stream, to see what the subscription itself costs.
const subscribe = process.argv[4] !== "nosub";
const serverJs = process.env.PARLEY_SERVER_JS;
if (!serverJs) buildServer();
const server = await startParley({ dbFile: join(mkdtempSync(join(tmpdir(), "parley-heap-db-")), "h.db"), inspect: true, serverJs });
const inspector = server.inspector;
if (!inspector) throw new Error("no inspector");
const users = await createUsersInRooms(server.httpUrl, { rooms: Math.max(1, n / 50), perRoom: Math.min(50, n), prefix: "heap" });
await inspector.gc();
writeFileSync(join(out, "before.heapsnapshot"), await inspector.heapSnapshot());
const group = LoadGroup.start(1);
const c = await group.connect(server.wsUrl, users.map((u) => ({ token: u.token, roomId: u.roomId })), { subscribe, concurrency: 50 });
await new Promise((r) => setTimeout(r, 1000));
await inspector.gc();
writeFileSync(join(out, "after.heapsnapshot"), await inspector.heapSnapshot());
console.log(`${c.ok} sockets${subscribe ? " with events.stream" : " without a subscription"}; snapshots in ${out}`);
await group.close();
await server.stop();
process.exit(0);

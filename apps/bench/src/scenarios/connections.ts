import { LoadGroup } from "../group.ts";
import type { ConnSpec } from "../loadgen.ts";
import { type ChildServer, loadAvg } from "../proc.ts";
import type { Progress } from "../progress.ts";
import type { Target } from "./fanout.ts";

export interface ConnectionsParams {
  connections: number;
  workers: number;
  concurrency: number;
}

export interface ConnectionsResult {
  target: Target;
  connections: number;
  failed: number;
  firstError: string | null;
  connectMs: number;
  connectsPerSec: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** (RSS after − RSS before) / connections, both after a full GC. */
  rssPerConnKb: number;
  heapPerConnKb: number;
  loadAvg: number;
}

/** Opens idle sockets, each with its live `events.stream`, and reads the server's memory after a full GC. */
export async function runConnections(
  target: Target,
  server: ChildServer,
  conns: ConnSpec[],
  params: ConnectionsParams,
  progress: Progress,
): Promise<ConnectionsResult> {
  const inspector = server.inspector;
  if (!inspector) throw new Error("the connections scenario needs the server's inspector");
  await inspector.gc();
  const before = await inspector.memory();
  const group = LoadGroup.start(params.workers);
  try {
    progress.note(`${target}: opening ${conns.length} idle authenticated sockets with events.stream`);
    const c = await group.connect(server.wsUrl, conns, { subscribe: true, concurrency: params.concurrency });
    await new Promise((r) => setTimeout(r, 1000));
    await inspector.gc();
    const after = await inspector.memory();
    const n = Math.max(1, c.ok);
    const result: ConnectionsResult = {
      target,
      connections: c.ok,
      failed: c.failed,
      firstError: c.firstError,
      connectMs: Math.round(c.ms),
      connectsPerSec: Math.round(c.ok / (c.ms / 1000)),
      rssBeforeMb: Math.round(before.rss / 1048576),
      rssAfterMb: Math.round(after.rss / 1048576),
      rssPerConnKb: Math.round(((after.rss - before.rss) / n / 1024) * 10) / 10,
      heapPerConnKb: Math.round(((after.heapUsed - before.heapUsed) / n / 1024) * 10) / 10,
      loadAvg: loadAvg(),
    };
    progress.note(
      `${target}: ${c.ok} sockets in ${(c.ms / 1000).toFixed(1)} s (${result.connectsPerSec}/s), ${result.rssPerConnKb} KB RSS and ${result.heapPerConnKb} KB heap per connection`,
    );
    return result;
  } finally {
    await group.close();
  }
}

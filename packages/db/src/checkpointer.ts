import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type SQLite from "better-sqlite3";

/**
 * WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs
 * inside the COMMIT that crosses 1,000 WAL pages, on the connection that
 * committed: here that is the server's one writer, on the thread that also
 * serves every socket, and copying the pages into the database file (and
 * the fsync that follows) took ~14 % of the server's time while ingesting.
 * A second connection on a worker runs a PASSIVE checkpoint every
 * `everyMs` instead: it never blocks the writer or readers, and SQLite
 * makes checkpoints from any connection safe. Durability is unchanged (a
 * commit is in the WAL either way). If the worker fails, the writer goes
 * back to checkpointing itself, so the WAL never grows without bound.
 */
export interface Checkpointer {
  stop(): Promise<void>;
}

// CommonJS, run as the worker's script: the driver's path comes from the
// parent, so it resolves the same from a bundle or from source.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.filename);
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = " + workerData.synchronous);
const checkpoint = () => db.pragma("wal_checkpoint(PASSIVE)");
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on("message", () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export function startCheckpointer(
  writer: SQLite.Database,
  opts: {
    filename: string;
    synchronous: string;
    everyMs?: number;
    onError?: ((err: unknown) => void) | undefined;
    /** The better-sqlite3 module the worker loads (tests pass a broken one). */
    driver?: string;
  },
): Checkpointer {
  writer.pragma("wal_autocheckpoint = 0");
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      driver: opts.driver ?? createRequire(import.meta.url).resolve("better-sqlite3"),
      filename: opts.filename,
      synchronous: opts.synchronous,
      everyMs: opts.everyMs ?? 200,
    },
  });
  // The worker's timer must not keep a process alive that is otherwise done.
  worker.unref();
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  const fallBack = (err: unknown) => {
    if (stopping || !writer.open) return;
    writer.pragma("wal_autocheckpoint = 1000");
    opts.onError?.(err);
  };
  worker.on("error", fallBack);
  worker.once("exit", (code) => fallBack(new Error(`WAL checkpointer exited with code ${code}`)));
  return {
    async stop() {
      stopping = true;
      worker.postMessage("stop");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      await worker.terminate();
    },
  };
}

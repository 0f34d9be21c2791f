import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type SQLite from "better-sqlite3";

/**
 * WAL checkpoints, mostly on a worker thread. SQLite's automatic checkpoint
 * runs inside the COMMIT that crosses its threshold (1,000 pages), on the
 * connection that committed: here the server's one writer, on the thread
 * that also serves every socket, and copying pages into the database file
 * (and the fsync after it) was a large share of that thread's time while
 * ingesting. A second connection on a worker runs a PASSIVE checkpoint every
 * `everyMs`: it never blocks the writer or readers, and SQLite makes
 * checkpoints from any connection safe.
 *
 * A passive checkpoint cannot finish while the writer keeps appending, and
 * the WAL only starts over after one has finished, so under sustained
 * writes the worker alone let the WAL grow without bound (380 MB in a 10 s
 * ingest run). The writer therefore keeps its own checkpoint at a higher
 * threshold, `writerPages`: by then the worker has copied nearly every
 * frame, so the writer's checkpoint has little left to do, completes, and
 * the WAL is reused from the start. A commit is in the WAL either way, so a
 * process crash loses nothing; with `synchronous = NORMAL` each checkpoint
 * also fsyncs the WAL, which bounds what a power loss can take to the writes
 * since the last one (SECURITY.md). If the worker fails, the writer goes
 * back to SQLite's default threshold.
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
    /** WAL size (pages) at which the writer checkpoints itself: the backstop that keeps the WAL bounded. */
    writerPages?: number;
    onError?: ((err: unknown) => void) | undefined;
    /** The better-sqlite3 module the worker loads (tests pass a broken one). */
    driver?: string;
  },
): Checkpointer {
  writer.pragma(`wal_autocheckpoint = ${opts.writerPages ?? 4000}`);
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      driver: opts.driver ?? createRequire(import.meta.url).resolve("better-sqlite3"),
      filename: opts.filename,
      synchronous: opts.synchronous,
      everyMs: opts.everyMs ?? 100,
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
      // Held open while stopping: with the worker and the deadline both unref'd, a process with
      // nothing else to do would exit in the middle of close() (seen in the bench).
      worker.ref();
      worker.postMessage("stop");
      let deadline: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([exited, new Promise((r) => (deadline = setTimeout(r, 2000)))]);
      clearTimeout(deadline);
      await worker.terminate();
    },
  };
}

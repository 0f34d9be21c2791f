// The unread scenario's client, forked by unread.ts (inFreshProcess) so its timings carry no GC of the seeding process.
import { alternatedLists, type ClientJob, indexingDone, measureUnread } from "./unread.ts";
import { WireConn } from "../wire.ts";

async function run(job: ClientJob) {
  if (job.kind === "measure") return measureUnread(job.wsUrl, job.file, job.token, job.seed, job.lists);
  const before = new WireConn(job.beforeUrl, job.token, () => {});
  const after = new WireConn(job.afterUrl, job.token, () => {});
  try {
    await Promise.all([before.opened(), after.opened()]);
    await indexingDone(before);
    return await alternatedLists(before, after, job.lists);
  } finally {
    before.close();
    after.close();
  }
}

process.once("message", (job: ClientJob) => {
  run(job).then(
    (ok) => process.send?.({ ok }, () => process.exit(0)),
    (err: unknown) => process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1)),
  );
});

import type { Logger } from "pino";
import { openBackends } from "../backends.ts";
import type { ServerConfig } from "../config.ts";
import { checkFiles } from "./check.ts";
import { openStorage } from "./index.ts";

/**
 * `parley-server files check [--delete-orphans]`: prints the storage check
 * as JSON and exits 1 if anything is out of place. `--delete-orphans`
 * deletes storage keys no row accounts for (run it when no upload is under
 * way: an upload's bytes land a moment before its row).
 */
export async function filesCommand(config: ServerConfig, logger: Logger, args: readonly string[]): Promise<number> {
  if (args[0] !== "check") {
    console.error("usage: parley-server files check [--delete-orphans]");
    return 2;
  }
  const backends = await openBackends(config, logger);
  const storage = await openStorage(config.files);
  try {
    const report = await checkFiles(backends.handle.db, storage);
    if (args.includes("--delete-orphans") && report.orphans.length > 0) await storage.delete(report.orphans);
    console.log(JSON.stringify({ storage: storage.kind, ...report }, null, 2));
    return report.missing.length + report.orphans.length + report.wrongSize.length === 0 ? 0 : 1;
  } finally {
    await storage.close();
    await backends.close();
  }
}

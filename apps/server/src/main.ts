import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import pino from "pino";
import { ConfigError, loadConfig } from "./config.ts";
import { filesCommand } from "./files/command.ts";
import { startServer } from "./server.ts";

// JSON lines on stdout. Secrets never reach a log line: these keys are censored wherever they appear.
const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  redact: [
    "req.headers.authorization",
    "req.headers.cookie",
    "*.password",
    "*.token",
    "*.accessToken",
    "*.refreshToken",
    "*.secretKey",
    "*.authorization",
  ],
});

/** The built web app sits beside the server in the workspace unless WEB_DIR says otherwise. */
function defaultWebDir(): string | null {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const dir = join(here, "..", "..", "web", "dist");
  return existsSync(join(dir, "index.html")) ? dir : null;
}

async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, (msg) => logger.warn(msg));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`parley: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  // `parley-server files check`: the storage check, then exit (files/command.ts).
  if (process.argv[2] === "files") process.exit(await filesCommand(config, logger, process.argv.slice(3)));
  const server = await startServer({ ...config, webDir: config.webDir ?? defaultWebDir() }, logger.child({ node: config.nodeId }));
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      logger.info({ signal }, "shutting down");
      server.close().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}

main().catch((err) => {
  logger.fatal({ err }, "parley failed to start");
  process.exit(1);
});

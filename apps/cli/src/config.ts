import { homedir } from "node:os";
import { join } from "node:path";

/** The one place that reads `process.env`. */
export interface CliEnv {
  /** Server base URL: --server, else $PARLEY_URL, else http://localhost:8001. */
  serverUrl: string;
  /** Where credentials are kept: $PARLEY_CONFIG, else $XDG_CONFIG_HOME/parley, else ~/.config/parley. */
  configDir: string;
  password: string | undefined;
  /** A personal access token for `parley bot <file>` ($PARLEY_TOKEN). */
  token: string | undefined;
  debug: boolean;
}

export function readEnv(env: NodeJS.ProcessEnv, serverFlag: string | undefined): CliEnv {
  const xdg = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return {
    serverUrl: (serverFlag ?? env.PARLEY_URL ?? "http://localhost:8001").replace(/\/+$/, ""),
    configDir: env.PARLEY_CONFIG || join(xdg, "parley"),
    password: env.PARLEY_PASSWORD,
    token: env.PARLEY_TOKEN || undefined,
    debug: env.PARLEY_DEBUG === "1",
  };
}

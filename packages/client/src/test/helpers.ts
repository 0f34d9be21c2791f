import WebSocket from "ws";
import { createParleyClient } from "../client.ts";
import { register } from "../http.ts";
import type { Logger, ParleyClient, ParleyClientOptions } from "../types.ts";

export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** PARLEY_TEST_DEBUG=1 prints what the clients do. */
const debugLogger = (name: string): Logger => {
  const log = (level: string) => (msg: string, data?: Record<string, unknown>) =>
    console.log(`${new Date().toISOString().slice(11, 23)} [${name}] ${level} ${msg}`, data ? JSON.stringify(data) : "");
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
};
const testLogger = (name: string) => (process.env.PARLEY_TEST_DEBUG ? debugLogger(name) : quietLogger);

let counter = 0;
/** A unique, valid username. */
export const uniqueName = (prefix = "u") => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function newUser(url: string, name = uniqueName()) {
  return register(url, { username: name, email: `${name}@example.test`, password: "password123" });
}

/** A client for a fresh or given user, using `ws` and test-friendly reconnect timings. */
export function clientFor(
  url: string,
  creds: NonNullable<ParleyClientOptions["credentials"]>,
  extra: Partial<ParleyClientOptions> = {},
): ParleyClient {
  return createParleyClient({
    url,
    credentials: creds,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    logger: testLogger("user" in creds ? String((creds as { user: { username: string } }).user.username) : "client"),
    reconnect: { baseMs: 50, maxMs: 500 },
    ...extra,
  });
}

export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

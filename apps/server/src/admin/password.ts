import { makePasswordHasher, passwordSchema } from "@parley/api";
import { findUserByKey } from "@parley/db";
import type { ServerConfig } from "../config.ts";
import { AdminError } from "./backup.ts";
import { openDatabase } from "./open.ts";

/** Sets an account's password (the same rules as registration); its sessions are left as they are. */
export async function setPassword(config: ServerConfig, username: string, password: string): Promise<void> {
  const parsed = passwordSchema.safeParse(password);
  if (!parsed.success) throw new AdminError(parsed.error.issues[0]?.message ?? "bad password");
  const handle = await openDatabase(config, { migrated: true });
  try {
    const user = await findUserByKey(handle.db, username.normalize("NFKC").toLowerCase());
    if (!user) throw new AdminError(`no user ${username}`);
    const hash = await makePasswordHasher(config.bcryptCost).hash(password);
    await handle.db.updateTable("users").set({ password_hash: hash }).where("id", "=", user.id).execute();
  } finally {
    await handle.close();
  }
}

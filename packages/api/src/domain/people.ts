import { searchUsersByPrefix } from "@parley/db";
import type { Services } from "../services.ts";
import { avatarUrl } from "../shapes.ts";

export interface Person {
  id: number;
  username: string;
  online: boolean;
  /** Issue 16: their avatar (null: initials). */
  avatarUrl: string | null;
}

/** People whose username starts with `prefix` (a username key, see `searchUsersSchema`), in username order. */
export async function searchPeople(svc: Pick<Services, "db" | "presence">, q: { prefix: string; limit: number }): Promise<Person[]> {
  const rows = await searchUsersByPrefix(svc.db, q);
  return rows.map((r) => ({ id: Number(r.id), username: r.username, online: svc.presence.isOnline(Number(r.id)), avatarUrl: avatarUrl(r.avatar_id) }));
}

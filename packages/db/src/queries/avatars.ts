import type { Kysely } from "kysely";
import type { Database, FileRow, UserRow } from "../schema.ts";

type Db = Kysely<Database>;

/** Avatars (migration 0024): a user's avatar is a `files` row named by `users.avatar_id`. Executor first. */

/** Stores the avatar's row, attached from the start: the orphan sweep never takes it. */
export async function insertAvatarFile(db: Db, f: Omit<FileRow, "attached_at">): Promise<void> {
  await db
    .insertInto("files")
    .values({ ...f, attached_at: f.created_at })
    .execute();
}

/** Points the user at `avatarId` (null: none); returns the user and the avatar it replaced. */
export async function setAvatarId(db: Db, userId: number, avatarId: string | null): Promise<{ user: UserRow; previous: string | null }> {
  const before = await db.selectFrom("users").select("avatar_id").where("id", "=", userId).executeTakeFirstOrThrow();
  const user = await db.updateTable("users").set({ avatar_id: avatarId }).where("id", "=", userId).returningAll().executeTakeFirstOrThrow();
  return { user, previous: before.avatar_id };
}

/** Deletes an avatar's row (after the user no longer points to it); its bytes go after the commit. */
export async function deleteAvatarFile(db: Db, id: string): Promise<void> {
  await db.deleteFrom("files").where("id", "=", id).execute();
}

/** The file if it is someone's avatar now; undefined otherwise (a replaced or removed one included). */
export function currentAvatar(db: Db, id: string): Promise<FileRow | undefined> {
  return db
    .selectFrom("files as f")
    .innerJoin("users as u", "u.avatar_id", "f.id")
    .selectAll("f")
    .where("f.id", "=", id)
    .executeTakeFirst();
}

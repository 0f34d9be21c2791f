import { deleteAvatarFile, findFile, insertAvatarFile, roomIdsOfMember, setAvatarId, type UserRow, type WriteTx } from "@parley/db";
import { DomainError, notFound, tooManyRequests } from "../errors.ts";
import type { EventDraft } from "../events.ts";
import type { Services } from "../services.ts";
import { THUMBNAILED_TYPES, toProfile, toUser, type User } from "../shapes.ts";
import type { Auth } from "./auth.ts";
import type { NewUpload } from "./files.ts";

/**
 * Avatars (issue 16): a user picks one of their uploads; the app's image
 * code (sharp, in apps/server) makes a square WebP of it and stores it as a
 * file of its own; the user's row points to that file. The change is a
 * profile change: `user.updated` to the user and to every room of theirs.
 */

/** Makes and stores an avatar from an uploaded image; the app wires its image code and storage in. */
export interface AvatarMaker {
  /** The stored avatar (a new file id), or null when the image cannot be decoded. */
  make(source: { id: string; contentType: string }): Promise<NewUpload | null>;
}

export const noAvatarMaker: AvatarMaker = { make: async () => null };

/** The upload is not an image an avatar can be made from. */
export const notAnImage = () => new DomainError("BAD_REQUEST", "An avatar must be a PNG, JPEG, GIF, WebP or AVIF image");

type AvatarServices = Pick<Services, "db" | "writes" | "profileLimiter" | "avatars" | "fileBlobs">;

/** Sets the caller's avatar from one of their own uploads (someone else's, or none, is NOT_FOUND alike). */
export async function setAvatar(svc: AvatarServices, auth: Auth, fileId: string): Promise<User> {
  const source = await findFile(svc.db, fileId);
  if (!source || Number(source.uploader_id) !== auth.userId) throw notFound("File");
  if (!THUMBNAILED_TYPES.has(source.content_type)) throw notAnImage();
  if (!svc.profileLimiter.take(String(auth.userId))) throw tooManyRequests("Too many profile changes; try again later");
  const made = await svc.avatars.make({ id: source.id, contentType: source.content_type });
  if (!made) throw notAnImage();
  // Bytes first, row second: if the write fails, the new bytes go again (or the check reports them).
  const previous = await svc.writes
    .run(async (tx, now) => {
      await insertAvatarFile(tx.db, {
        id: made.id,
        uploader_id: auth.userId,
        name: made.name,
        size: made.size,
        content_type: made.contentType,
        width: made.width,
        height: made.height,
        created_at: now,
      });
      return point(tx, auth.userId, made.id);
    })
    .catch(async (err: unknown) => {
      await svc.fileBlobs.remove([made.id]);
      throw err;
    });
  return afterCommit(svc, previous);
}

/** Removes the caller's avatar (nothing to remove: nothing changes). */
export async function removeAvatar(svc: AvatarServices, auth: Auth): Promise<User> {
  if (!svc.profileLimiter.take(String(auth.userId))) throw tooManyRequests("Too many profile changes; try again later");
  return afterCommit(svc, await svc.writes.run((tx) => point(tx, auth.userId, null)));
}

/** Points the user at the avatar, drops the replaced one's row, and tells everyone who may know. */
async function point(tx: WriteTx, userId: number, avatarId: string | null) {
  const { user, previous } = await setAvatarId(tx.db, userId, avatarId);
  if (previous === avatarId) return { result: { user, previous: null }, events: [] };
  if (previous !== null) await deleteAvatarFile(tx.db, previous);
  const profile = toProfile(user);
  const rooms = await roomIdsOfMember(tx.db, userId);
  const events: EventDraft[] = [
    { body: { type: "user.updated", roomId: null, user: profile }, scope: "user", userId },
    ...rooms.map((roomId): EventDraft => ({ body: { type: "user.updated", roomId, user: profile }, scope: "room" })),
  ];
  return { result: { user, previous }, events };
}

/** Rows first, bytes last: the replaced avatar's bytes go once nothing points to them. */
async function afterCommit(svc: AvatarServices, done: { user: UserRow; previous: string | null }): Promise<User> {
  if (done.previous !== null) await svc.fileBlobs.remove([done.previous]);
  return toUser(done.user);
}

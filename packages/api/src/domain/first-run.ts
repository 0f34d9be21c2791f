import { findDefaultRoom, findMembership, insertRoom } from "@parley/db";
import type { EventDraft } from "../events.ts";
import type { Services } from "../services.ts";
import { toRoom } from "../shapes.ts";
import { addMemberRows } from "./rooms.ts";

/**
 * First run: every new account joins the server's default room (`#general`
 * unless configured otherwise). A room needs a creator, so the first account
 * makes it; later ones join it. Both go through the one write path, so the
 * room's creation and each join are events like any other (the others see the
 * newcomer arrive). A default room an admin deleted or made private is not
 * made again, and nobody is put into it.
 */
export function joinDefaultRoom(
  svc: Pick<Services, "writes"> & { config: { defaultRoom: string } },
  user: { id: number; username: string },
): Promise<void> {
  const name = svc.config.defaultRoom;
  if (name === "") return Promise.resolve();
  return svc.writes.run(async (tx, now) => {
    const events: EventDraft[] = [];
    let row = await findDefaultRoom(tx.db);
    if (row === undefined) {
      row = await insertRoom(tx.db, { name, description: "Everyone on this server", isPrivate: false, createdBy: user.id, now, isDefault: true });
      const room = toRoom(row);
      events.push({ body: { type: "room.created", roomId: room.id, room }, scope: "all", userId: user.id });
    }
    if (row.deleted_at !== null || row.is_private === 1 || (await findMembership(tx.db, Number(row.id), user.id))) {
      return { result: undefined, events };
    }
    const joined = await addMemberRows(tx, user.id, user.username, toRoom(row), now, null, `${user.username} joined`);
    return { result: undefined, events: [...events, ...joined.events] };
  });
}

import { ROOM_PAGE_MAX } from "@parley/api/limits";
import type { ParleyApi } from "./types.ts";

type RoomListItem = Awaited<ReturnType<ParleyApi["rooms"]["list"]["query"]>>[number];

/**
 * Every room the user can see, in id order, one bounded `rooms.list` page at
 * a time (the server caps a page at `ROOM_PAGE_MAX`). `maxPages` bounds the
 * walk so a misbehaving server cannot keep a caller looping.
 */
export async function listAllRooms(api: ParleyApi, maxPages = 1000): Promise<RoomListItem[]> {
  const rooms: RoomListItem[] = [];
  let after: number | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await api.rooms.list.query(after === undefined ? { limit: ROOM_PAGE_MAX } : { after, limit: ROOM_PAGE_MAX });
    rooms.push(...page);
    const last = page[page.length - 1];
    if (page.length < ROOM_PAGE_MAX || !last || (after !== undefined && last.id <= after)) break;
    after = last.id;
  }
  return rooms;
}

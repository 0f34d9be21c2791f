import { describe, expect, test } from "vitest";
import { useDisposer } from "./test/fixtures.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";
import { createUnreadState } from "./unread.ts";

const t = useDisposer();

describe("unread state", () => {
  test("counts from the stream, clears in every tab when one marks read, and survives a reload", async () => {
    const s = await t.server();
    const [alice, bob] = await Promise.all([newUser(s.url), newUser(s.url)]);
    const a = t.client(clientFor(s.url, alice));
    const [tab1, tab2] = [t.client(clientFor(s.url, bob)), t.client(clientFor(s.url, bob))];
    await Promise.all([a.ready, tab1.ready, tab2.ready]);
    const room = await a.api.rooms.create.mutate({ name: "unread" });
    await tab1.api.rooms.join.mutate({ roomId: room.id });
    const [u1, u2] = [createUnreadState(tab1), createUnreadState(tab2)];
    await Promise.all([u1.load(), u2.load()]);
    expect(u1.get().rooms.get(room.id)).toMatchObject({ unreadCount: 0, mentionCount: 0 });

    await a.send(room.id, "hello");
    const last = await a.send(room.id, `and @${bob.user.username}`);
    const counted = (n: number, m: number) => () => [u1, u2].every((u) => u.get().rooms.get(room.id)?.unreadCount === n && u.get().rooms.get(room.id)?.mentionCount === m);
    await waitFor(counted(2, 1), 10_000, "both tabs count two unread, one mention");
    expect(u1.get().total).toBe(2);

    await u1.markRead(room.id, last.id);
    await waitFor(counted(0, 0), 10_000, "the other tab clears too");
    u1.close();
    u2.close();

    const reloaded = createUnreadState(tab2);
    await reloaded.load();
    expect(reloaded.get().rooms.get(room.id)).toMatchObject({ unreadCount: 0, mentionCount: 0, lastReadId: last.id });
    reloaded.close();
  });
});

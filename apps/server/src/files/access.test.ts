import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answer, download, png, uploaded } from "../test/files.ts";
import { registerUser, startTestServer, type TestServer, type TestUser } from "../test/harness.ts";

/**
 * Who may download a file (issue 16): its uploader before it is attached,
 * then whoever may read a live message that shows it. Everyone else gets
 * the very answer a file that never existed gets: same status, headers and
 * body.
 */
let server: TestServer;
let ada: TestUser;
let bob: TestUser;
let eve: TestUser;
let missing: Awaited<ReturnType<typeof answer>>;

const fakeId = "AAAAAAAAAAAAAAAAAAAAAA";
const get = (u: TestUser | null, id: string, name = "f.png") => download(server, u?.accessToken ?? null, `/files/${id}/${name}`);

/** The outsider's answer, for the file and its thumbnail, equal to the missing file's. */
async function expectHidden(u: TestUser, id: string) {
  expect(await answer(await get(u, id, "any"))).toEqual(missing);
  expect(await answer(await download(server, u.accessToken, `/files/${id}/thumb?size=320`))).toEqual(missing);
}

async function sendWithFile(u: TestUser, roomId: number, clientId: string) {
  const f = await uploaded(server, u.accessToken, await png(20, 20), { name: "f.png" });
  const m = await u.http.messages.send.mutate({ roomId, content: "", clientId, attachments: [f.id] });
  return { file: f, message: m };
}

beforeAll(async () => {
  server = await startTestServer();
  [ada, bob, eve] = await Promise.all([registerUser(server, "ada"), registerUser(server, "bob"), registerUser(server, "eve")]);
  missing = await answer(await get(ada, fakeId, "any"));
});
afterAll(() => server.dispose());

describe("download access", () => {
  it("answers a missing file with a bare 404 that still carries the safety headers", () => {
    expect(missing.status).toBe(404);
    expect(missing.headers["x-content-type-options"]).toBe("nosniff");
    expect(missing.headers["content-security-policy"]).toBe("sandbox; default-src 'none'");
  });

  it("before it is attached: its uploader only", async () => {
    const f = await uploaded(server, ada.accessToken, await png(10, 10));
    expect((await get(ada, f.id)).status).toBe(200);
    await expectHidden(bob, f.id);
  });

  it("without credentials: 401 whatever the id, so nothing is learnt about which exist", async () => {
    const f = await uploaded(server, ada.accessToken, await png(10, 10));
    expect(await answer(await get(null, f.id))).toEqual(await answer(await get(null, fakeId)));
    expect((await get(null, f.id)).status).toBe(401);
  });

  it("in a private room: members; a non-member and a removed member get the missing-file 404", async () => {
    const room = await ada.http.rooms.create.mutate({ name: "private files", isPrivate: true });
    await ada.http.rooms.addMember.mutate({ roomId: room.id, username: bob.username });
    const { file } = await sendWithFile(ada, room.id, "priv-1");
    expect((await get(bob, file.id)).status).toBe(200);
    await expectHidden(eve, file.id);
    await ada.http.rooms.removeMember.mutate({ roomId: room.id, userId: bob.id });
    await expectHidden(bob, file.id);
  });

  it("its uploader loses access with the room like anyone else", async () => {
    const room = await bob.http.rooms.create.mutate({ name: "bob's", isPrivate: true });
    await bob.http.rooms.addMember.mutate({ roomId: room.id, username: ada.username });
    const { file } = await sendWithFile(ada, room.id, "left-1");
    await ada.http.rooms.leave.mutate({ roomId: room.id });
    await expectHidden(ada, file.id);
  });

  it("in a DM: its two members; an outsider gets the missing-file 404", async () => {
    const dm = await ada.http.dms.open.mutate({ userIds: [bob.id] });
    const { file } = await sendWithFile(ada, dm.id, "dm-1");
    expect((await get(bob, file.id)).status).toBe(200);
    await expectHidden(eve, file.id);
  });

  it("in a public channel: any signed-in user, as for its history", async () => {
    const room = await ada.http.rooms.create.mutate({ name: "open files" });
    const { file } = await sendWithFile(ada, room.id, "pub-1");
    expect((await get(eve, file.id)).status).toBe(200);
  });

  it("after the message is deleted: gone for everyone, its bytes too", async () => {
    const room = await ada.http.rooms.create.mutate({ name: "deleting" });
    const { file, message } = await sendWithFile(ada, room.id, "del-1");
    expect((await get(ada, file.id, "thumb")).status).toBe(200);
    await ada.http.messages.delete.mutate({ messageId: message.id });
    await expectHidden(ada, file.id);
    await expectHidden(bob, file.id);
    expect(await server.storage.size(file.id)).toBeNull();
    const listed = (await ada.http.messages.list.query({ roomId: room.id })).items.find((m) => m.id === message.id);
    expect(listed?.attachments).toEqual([]);
  });

  it("after the room is deleted: gone, bytes and thumbnails too", async () => {
    const room = await ada.http.rooms.create.mutate({ name: "doomed" });
    const { file } = await sendWithFile(ada, room.id, "room-del-1");
    expect((await download(server, ada.accessToken, `/files/${file.id}/thumb?size=320`)).status).toBe(200);
    await ada.http.rooms.delete.mutate({ roomId: room.id });
    await expectHidden(ada, file.id);
    const keys: string[] = [];
    for await (const o of server.storage.list()) keys.push(o.key);
    expect(keys.filter((k) => k.startsWith(file.id))).toEqual([]);
  });

  it("a file two messages show stays until the last of them is deleted", async () => {
    const room = await ada.http.rooms.create.mutate({ name: "twice" });
    const f = await uploaded(server, ada.accessToken, await png(8, 8));
    const one = await ada.http.messages.send.mutate({ roomId: room.id, content: "one", clientId: "twice-1", attachments: [f.id] });
    const two = await ada.http.messages.send.mutate({ roomId: room.id, content: "two", clientId: "twice-2", attachments: [f.id] });
    await ada.http.messages.delete.mutate({ messageId: one.id });
    expect((await get(eve, f.id)).status).toBe(200);
    await ada.http.messages.delete.mutate({ messageId: two.id });
    await expectHidden(eve, f.id);
  });
});

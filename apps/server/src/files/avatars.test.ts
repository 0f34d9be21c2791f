import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answer, download, jpegWithGps, png, uploaded } from "../test/files.ts";
import { codeOf, record, registerUser, startTestServer, type TestServer, type TestUser, wsApi } from "../test/harness.ts";
import { checkFiles } from "./check.ts";
import { sweepOrphans } from "@parley/api";

/** Avatars (issue 16): set from an upload, served to anyone signed in, replaced and removed without leftovers. */
let server: TestServer;
let ada: TestUser;
let bob: TestUser;
let eve: TestUser;
let roomId: number;

beforeAll(async () => {
  server = await startTestServer();
  [ada, bob, eve] = await Promise.all([registerUser(server, "ada"), registerUser(server, "bob"), registerUser(server, "eve")]);
  roomId = (await ada.http.rooms.create.mutate({ name: "avatars" })).id;
  await bob.http.rooms.join.mutate({ roomId });
  // Eve shares no room with anyone (every account starts in the default room).
  for (const r of await eve.http.rooms.list.query()) if (r.isMember) await eve.http.rooms.leave.mutate({ roomId: r.id });
});
afterAll(() => server.dispose());

const avatarRowOf = async (userId: number) =>
  (await server.svc.db.selectFrom("users").select("avatar_id").where("id", "=", userId).executeTakeFirstOrThrow()).avatar_id;

describe("users.setAvatar", () => {
  it("makes a square WebP from an upload, shown on the profile, people lists and user.updated, and served to anyone signed in", async () => {
    const ws = wsApi(server, bob.accessToken);
    const rec = record(ws.api);
    try {
      await rec.waitFor((e) => e.type === "ready");
      const source = await uploaded(server, ada.accessToken, await jpegWithGps(300, 200), { name: "me.jpg" });
      const me = await ada.http.users.setAvatar.mutate({ fileId: source.id });
      const avatarId = await avatarRowOf(ada.id);
      expect(avatarId).not.toBeNull();
      expect(avatarId).not.toBe(source.id);
      expect(me.avatarUrl).toBe(`/files/avatars/${avatarId}`);

      // Everyone who may know of Ada sees it: her profile, the members list, people search, and the live event.
      expect((await eve.http.users.profile.query({ userId: ada.id })).avatarUrl).toBe(me.avatarUrl);
      expect((await bob.http.rooms.members.query({ roomId })).find((m) => m.userId === ada.id)?.avatarUrl).toBe(me.avatarUrl);
      expect((await eve.http.users.search.query({ query: ada.username })).find((p) => p.id === ada.id)?.avatarUrl).toBe(me.avatarUrl);
      const live = await rec.waitFor((e) => e.type === "user.updated" && e.user.id === ada.id);
      expect(live.type === "user.updated" && live.user.avatarUrl).toBe(me.avatarUrl);
      expect((await ada.http.auth.me.query()).avatarUrl).toBe(me.avatarUrl);

      // Eve shares no room with Ada, yet gets the image, under the headers of every file.
      const res = await download(server, eve.accessToken, me.avatarUrl ?? "");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/webp");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'");
      expect(res.headers.get("cache-control")).toBe("private");
      expect(res.headers.get("content-disposition")).toMatch(/^inline;/);
      const bytes = Buffer.from(await res.arrayBuffer());
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["webp", 192, 192]);
      // Made from the pixels only: the camera's GPS and serial are not in it.
      expect(meta.exif).toBeUndefined();
      expect(bytes.includes(Buffer.from("SerialNo123"))).toBe(false);
      // Signed out: no avatar, and no hint whether it exists.
      expect((await download(server, null, me.avatarUrl ?? "")).status).toBe(401);
    } finally {
      rec.stop();
      await ws.close();
    }
  });

  it("refuses what is not an image with BAD_REQUEST, and someone else's or a missing upload with NOT_FOUND, changing nothing", async () => {
    const before = await avatarRowOf(bob.id);
    const text = await uploaded(server, bob.accessToken, new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"), {
      name: "me.svg",
      contentType: "image/svg+xml",
    });
    const err = await bob.http.users.setAvatar.mutate({ fileId: text.id }).catch((e: unknown) => e);
    expect(err).toMatchObject({ data: { code: "BAD_REQUEST", httpStatus: 400 }, message: "An avatar must be a PNG, JPEG, GIF, WebP or AVIF image" });
    const adas = await uploaded(server, ada.accessToken, await png(40, 40));
    expect(await codeOf(bob.http.users.setAvatar.mutate({ fileId: adas.id }))).toBe("NOT_FOUND");
    expect(await codeOf(bob.http.users.setAvatar.mutate({ fileId: "AAAAAAAAAAAAAAAAAAAAAA" }))).toBe("NOT_FOUND");
    expect(await codeOf(bob.http.users.setAvatar.mutate({ fileId: "../../etc/passwd" }))).toBe("BAD_REQUEST");
    expect(await avatarRowOf(bob.id)).toBe(before);
  });

  it("a replaced avatar and a removed one are gone: 404 like a missing file, rows and bytes deleted, the check clean", async () => {
    const first = await bob.http.users.setAvatar.mutate({ fileId: (await uploaded(server, bob.accessToken, await png(64, 32))).id });
    const second = await bob.http.users.setAvatar.mutate({ fileId: (await uploaded(server, bob.accessToken, await png(20, 90))).id });
    expect(second.avatarUrl).not.toBe(first.avatarUrl);
    const missing = await answer(await download(server, ada.accessToken, "/files/avatars/AAAAAAAAAAAAAAAAAAAAAA"));
    expect(await answer(await download(server, ada.accessToken, first.avatarUrl ?? ""))).toEqual(missing);
    expect((await download(server, ada.accessToken, second.avatarUrl ?? "")).status).toBe(200);
    // An avatar is not a message's file: the download route does not serve it.
    const secondId = second.avatarUrl?.split("/").pop() ?? "";
    expect((await download(server, ada.accessToken, `/files/${secondId}/avatar.webp`)).status).toBe(404);

    const removed = await bob.http.users.removeAvatar.mutate();
    expect(removed.avatarUrl).toBeNull();
    expect((await ada.http.users.profile.query({ userId: bob.id })).avatarUrl).toBeNull();
    expect(await answer(await download(server, ada.accessToken, second.avatarUrl ?? ""))).toEqual(missing);
    const rows = await server.svc.db.selectFrom("files").select("id").where("id", "in", [first.avatarUrl, second.avatarUrl].map((u) => u?.split("/").pop() ?? "")).execute();
    expect(rows).toEqual([]);
    // Removing again changes nothing and tells nobody.
    expect((await bob.http.users.removeAvatar.mutate()).avatarUrl).toBeNull();
    // The sources are ordinary uploads: the sweep takes them after a day; nothing is left over either way.
    await sweepOrphans(server.svc, Date.now() + 2 * 24 * 3600 * 1000);
    const report = await checkFiles(server.svc.db, server.storage);
    expect(report.missing).toEqual([]);
    expect(report.orphans).toEqual([]);
  });

  it("an avatar outlives the sweep, and the upload it was made from can go", async () => {
    const source = await uploaded(server, eve.accessToken, await png(50, 50));
    const me = await eve.http.users.setAvatar.mutate({ fileId: source.id });
    await sweepOrphans(server.svc, Date.now() + 2 * 24 * 3600 * 1000);
    expect((await download(server, bob.accessToken, me.avatarUrl ?? "")).status).toBe(200);
    expect((await download(server, eve.accessToken, `/files/${source.id}/x.png`)).status).toBe(404);
  });
});

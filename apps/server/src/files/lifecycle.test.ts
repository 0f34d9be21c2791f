import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepOrphans } from "@parley/api";
import { png, uploaded } from "../test/files.ts";
import { registerUser, startTestServer, type TestServer, type TestUser } from "../test/harness.ts";
import { type S3Server, startS3 } from "../test/s3.ts";
import { checkFiles } from "./check.ts";

const HOUR = 3600 * 1000;

// On both storage backends: the sweep and the check read and delete through the storage interface.
describe.each(["local", "s3"] as const)("file lifecycle (%s storage)", (backend) => {
  let s3: S3Server | null = null;
  let server: TestServer;
  let ada: TestUser;

  beforeAll(async () => {
    if (backend === "s3") s3 = await startS3();
    server = await startTestServer(s3?.env ?? {});
    ada = await registerUser(server, "ada");
  });
  afterAll(async () => {
    await server.dispose();
    await s3?.close();
  });

  it("the sweep deletes uploads never attached after 24 h, rows and bytes, and nothing else", async () => {
    const room = await ada.http.rooms.create.mutate({ name: "sweep" });
    const orphan = await uploaded(server, ada.accessToken, await png(5, 5));
    const kept = await uploaded(server, ada.accessToken, await png(5, 5));
    await ada.http.messages.send.mutate({ roomId: room.id, content: "", clientId: "sweep-1", attachments: [kept.id] });
    const now = Date.now();
    // A day not yet up: nothing goes.
    expect(await sweepOrphans(server.svc, now + 23 * HOUR)).toBe(0);
    expect(await sweepOrphans(server.svc, now + 25 * HOUR)).toBe(1);
    expect(await server.storage.size(orphan.id)).toBeNull();
    expect(await server.svc.db.selectFrom("files").select("id").where("id", "=", orphan.id).executeTakeFirst()).toBeUndefined();
    expect(await server.storage.size(kept.id)).toBe(kept.size);
    // Attaching an upload the sweep took is refused as for any unknown file.
    await expect(ada.http.messages.send.mutate({ roomId: room.id, content: "late", clientId: "sweep-2", attachments: [orphan.id] })).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
    });
  });

  it("the check reports bytes without a row and rows without bytes", async () => {
    const a = await uploaded(server, ada.accessToken, await png(5, 5));
    expect(await checkFiles(server.svc.db, server.storage)).toEqual({ missing: [], orphans: [], wrongSize: [] });
    await server.storage.delete([a.id]);
    const stray = "ZZZZZZZZZZZZZZZZZZZZZZ";
    await server.storage.putBuffer(stray, Buffer.from("stray"), "application/octet-stream");
    await server.storage.putBuffer(`${stray}.t320.webp`, Buffer.from("stray"), "image/webp");
    expect(await checkFiles(server.svc.db, server.storage)).toEqual({ missing: [a.id], orphans: [stray, `${stray}.t320.webp`], wrongSize: [] });
    await server.storage.delete([stray, `${stray}.t320.webp`]);
    await server.svc.db.deleteFrom("files").where("id", "=", a.id).execute();
  });
});

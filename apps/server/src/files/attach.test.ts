import type { Message } from "@parley/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { png, uploaded } from "../test/files.ts";
import { codeOf, record, registerUser, startTestServer, type TestServer, type TestUser, wsApi } from "../test/harness.ts";

/** `messages.send` with attachments (issue 16): the write path, retries, and what messages carry. */
let server: TestServer;
let ada: TestUser;
let bob: TestUser;
let roomId: number;

beforeAll(async () => {
  server = await startTestServer();
  [ada, bob] = await Promise.all([registerUser(server, "ada"), registerUser(server, "bob")]);
  roomId = (await ada.http.rooms.create.mutate({ name: "attachments" })).id;
  await bob.http.rooms.join.mutate({ roomId });
});
afterAll(() => server.dispose());

const attachmentRows = (messageId: number) => server.svc.db.selectFrom("message_attachments").selectAll().where("message_id", "=", messageId).execute();

describe("messages.send with attachments", () => {
  it("carries each file's metadata, in order, in the reply, the stream and the history; content may be empty", async () => {
    const ws = wsApi(server, bob.accessToken);
    const rec = record(ws.api);
    try {
      const pic = await uploaded(server, ada.accessToken, await png(30, 20), { name: "pic.png" });
      const doc = await uploaded(server, ada.accessToken, new TextEncoder().encode("notes"), { name: "notes.txt" });
      await rec.waitFor((e) => e.type === "ready");
      const sent = await ada.http.messages.send.mutate({ roomId, content: "  ", clientId: "att-1", attachments: [doc.id, pic.id] });
      expect(sent.content).toBe("");
      expect(sent.attachments).toEqual([
        { id: doc.id, name: "notes.txt", size: 5, contentType: "text/plain", width: null, height: null, url: `/files/${doc.id}/notes.txt`, thumbUrl: null },
        { id: pic.id, name: "pic.png", size: pic.size, contentType: "image/png", width: 30, height: 20, url: `/files/${pic.id}/pic.png`, thumbUrl: `/files/${pic.id}/thumb?size=320` },
      ]);
      const live = await rec.waitFor((e) => e.type === "message.created" && e.message.id === sent.id);
      expect(live.type === "message.created" && live.message.attachments).toEqual(sent.attachments);
      const listed = (await bob.http.messages.list.query({ roomId })).items.find((m) => m.id === sent.id);
      expect(listed?.attachments).toEqual(sent.attachments);
      // An edit keeps them.
      const edited = await ada.http.messages.edit.mutate({ messageId: sent.id, content: "with words now" });
      expect(edited.attachments).toEqual(sent.attachments);
    } finally {
      rec.stop();
      await ws.close();
    }
  });

  it("a retried clientId attaches nothing twice, sequentially or concurrently", async () => {
    const f = await uploaded(server, ada.accessToken, await png(4, 4));
    const input = { roomId, content: "retry", clientId: "att-retry", attachments: [f.id] };
    const [a, b] = await Promise.all([ada.http.messages.send.mutate(input), ada.http.messages.send.mutate(input)]);
    const c = await ada.http.messages.send.mutate(input);
    expect(new Set([a.id, b.id, c.id]).size).toBe(1);
    expect(c.attachments.map((x) => x.id)).toEqual([f.id]);
    expect(await attachmentRows(a.id)).toHaveLength(1);
  });

  it("refuses what it cannot attach, before writing anything", async () => {
    const mine = await uploaded(server, ada.accessToken, await png(4, 4));
    const theirs = await uploaded(server, bob.accessToken, await png(4, 4));
    const send = (clientId: string, attachments: string[], content = "x") => ada.http.messages.send.mutate({ roomId, content, clientId, attachments });
    expect(await codeOf(send("bad-1", [theirs.id]))).toBe("NOT_FOUND");
    expect(await codeOf(send("bad-2", ["AAAAAAAAAAAAAAAAAAAAAA"]))).toBe("NOT_FOUND");
    expect(await codeOf(send("bad-3", ["not-an-id"]))).toBe("BAD_REQUEST");
    expect(await codeOf(send("bad-4", [mine.id, mine.id]))).toBe("BAD_REQUEST");
    expect(await codeOf(send("bad-5", Array.from({ length: 11 }, () => mine.id)))).toBe("BAD_REQUEST");
    expect(await codeOf(send("bad-6", [], " "))).toBe("BAD_REQUEST");
    // Nothing was stored under those clientIds: the same ids now go through.
    const ok: Message = await send("bad-1", [mine.id]);
    expect(ok.attachments.map((x) => x.id)).toEqual([mine.id]);
    // Someone else's upload stays unattached and theirs alone.
    expect((await server.svc.db.selectFrom("files").select("attached_at").where("id", "=", theirs.id).executeTakeFirstOrThrow()).attached_at).toBeNull();
  });

  it("ten attachments are fine", async () => {
    const files = await Promise.all(Array.from({ length: 10 }, () => uploaded(server, ada.accessToken, new TextEncoder().encode("x"))));
    const m = await ada.http.messages.send.mutate({ roomId, content: "", clientId: "ten", attachments: files.map((f) => f.id) });
    expect(m.attachments.map((a) => a.id)).toEqual(files.map((f) => f.id));
  });
});

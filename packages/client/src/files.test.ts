import { Readable } from "node:stream";
import { ServerProcess } from "@parley/server/testing";
import { afterEach, describe, expect, test } from "vitest";
import { UploadError } from "./files.ts";
import { clientFor, newUser, waitFor } from "./test/helpers.ts";
import type { ParleyClient } from "./types.ts";

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of disposers.splice(0).reverse()) await d();
});

async function started(env: Record<string, string> = {}) {
  const s = new ServerProcess(env);
  await s.start();
  disposers.push(() => s[Symbol.asyncDispose]());
  const c = await another(s.url);
  return Object.assign(c, { serverUrl: s.url });
}

async function another(url: string): Promise<ParleyClient> {
  const c: ParleyClient = clientFor(url, await newUser(url));
  disposers.push(() => c.close());
  await c.ready;
  return c;
}

const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

describe("client.upload", () => {
  test("uploads a Buffer, a Blob and a Node stream, and downloads each back", async () => {
    const c = await started();
    const fromBuffer = await c.upload(Buffer.from("from a buffer"), { name: "a.txt" });
    const fromBlob = await c.upload(new Blob(["from a blob"]), { name: "b.txt" });
    const fromStream = await c.upload(Readable.from([Buffer.from("from "), Buffer.from("a stream")]), { name: "c.txt" });
    expect([fromBuffer.name, fromBlob.name, fromStream.name]).toEqual(["a.txt", "b.txt", "c.txt"]);
    expect((await bytesOf(await c.download(fromBuffer.id))).toString()).toBe("from a buffer");
    expect((await bytesOf(await c.download(fromBlob.id))).toString()).toBe("from a blob");
    expect((await bytesOf(await c.download(fromStream.id))).toString()).toBe("from a stream");
  });

  test("a refusal is an UploadError with the server's code", async () => {
    const c = await started({ MAX_UPLOAD_BYTES: "10" });
    const err = await c.upload(Buffer.alloc(11), { name: "big.bin" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect(err).toMatchObject({ status: 413, code: "too_large" });
  });

  test("send with files uploads them, then sends once through the outbox with their ids", async () => {
    const c = await started();
    const room = await c.api.rooms.create.mutate({ name: "files" });
    const already = await c.upload(Buffer.from("first"), { name: "one.txt" });
    const sent = await c.send(room.id, "", { attachments: [already.id, { data: Buffer.from("second"), name: "two.txt" }] });
    expect(sent.attachments.map((a) => a.name)).toEqual(["one.txt", "two.txt"]);
    expect(c.outbox.get()).toEqual([]);
    const history = await c.api.messages.list.query({ roomId: room.id });
    expect(history.items.filter((m) => m.attachments.length > 0)).toHaveLength(1);
    expect((await bytesOf(await c.download(sent.attachments[1]?.url ?? ""))).toString()).toBe("second");
  });
});

describe("thread replies with files", () => {
  test("reply uploads the files, then replies once in the thread; a member downloads them there", async () => {
    const alice = await started();
    const bob = await another(alice.serverUrl);
    const room = await alice.api.rooms.create.mutate({ name: "thread files" });
    await bob.api.rooms.join.mutate({ roomId: room.id });
    const root = await alice.send(room.id, "the root");
    const early = await alice.upload(Buffer.from("uploaded before"), { name: "early.txt" });

    const reply = await alice.reply(room.id, root.id, "", { attachments: [early.id, { data: new Blob(["uploaded by reply"]), name: "late.txt" }] });
    expect(reply).toMatchObject({ threadId: root.id, alsoToRoom: false, content: "" });
    expect(reply.attachments.map((a) => a.name)).toEqual(["early.txt", "late.txt"]);
    const also = await alice.reply(room.id, root.id, "and the room sees this", { alsoToRoom: true, attachments: [{ data: Buffer.from("third"), name: "third.txt" }] });
    expect(alice.outbox.get()).toEqual([]);

    const thread = (await bob.api.messages.list.query({ roomId: room.id, threadId: root.id })).items;
    expect(thread.map((m) => [m.content, m.attachments.map((a) => a.name)])).toEqual([
      ["the root", []],
      ["", ["early.txt", "late.txt"]],
      ["and the room sees this", ["third.txt"]],
    ]);
    // Each reply attached its files once, whatever the outbox retried.
    const timeline = (await bob.api.messages.list.query({ roomId: room.id })).items.filter((m) => m.attachments.length > 0);
    expect(timeline.map((m) => m.id)).toEqual([also.id]);
    expect((await bytesOf(await bob.download(reply.attachments[1]?.url ?? ""))).toString()).toBe("uploaded by reply");
    expect((await bytesOf(await bob.download(also.attachments[0]?.id ?? ""))).toString()).toBe("third");
  });

  test("a handler's replyInThread attaches files to its reply in the message's thread", async () => {
    const alice = await started();
    const bob = await another(alice.serverUrl);
    const room = await alice.api.rooms.create.mutate({ name: "bot files" });
    await bob.api.rooms.join.mutate({ roomId: room.id });
    const answered: number[] = [];
    alice.onMessage({ roomId: room.id }, async (ctx) => {
      const m = await ctx.replyInThread("here is the report", { attachments: [{ data: Buffer.from("report body"), name: "report.txt" }] });
      answered.push(m.id);
    });
    const question = await bob.send(room.id, "report please");
    await waitFor(() => answered.length === 1, 10_000, "the handler's reply");
    const thread = (await bob.api.messages.list.query({ roomId: room.id, threadId: question.id })).items;
    expect(thread.map((m) => [m.content, m.attachments.map((a) => a.name)])).toEqual([
      ["report please", []],
      ["here is the report", ["report.txt"]],
    ]);
  });
});

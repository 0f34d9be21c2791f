import { Readable } from "node:stream";
import { ServerProcess } from "@parley/server/testing";
import { afterEach, describe, expect, test } from "vitest";
import { UploadError } from "./files.ts";
import { clientFor, newUser } from "./test/helpers.ts";
import type { ParleyClient } from "./types.ts";

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of disposers.splice(0).reverse()) await d();
});

async function started(env: Record<string, string> = {}) {
  const s = new ServerProcess(env);
  await s.start();
  disposers.push(() => s[Symbol.asyncDispose]());
  const alice = await newUser(s.url);
  const c: ParleyClient = clientFor(s.url, alice);
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

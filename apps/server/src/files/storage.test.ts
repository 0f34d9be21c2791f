import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3Server, startS3 } from "../test/s3.ts";
import { openS3Storage } from "./s3.ts";
import { type FileStorage, openLocalStorage, spoolPath } from "./storage.ts";

const newKey = () => randomBytes(16).toString("base64url");

async function keys(storage: FileStorage): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list()) out.push(o.key);
  return out.sort();
}

// The same behaviour on both backends: a directory, and a real S3-compatible server.
describe.each(["local", "s3"] as const)("%s storage", (kind) => {
  let root: string;
  let s3: S3Server | null = null;
  let storage: FileStorage;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "parley-storage-"));
    if (kind === "local") storage = await openLocalStorage(join(root, "uploads"));
    else {
      s3 = await startS3();
      storage = await openS3Storage({
        endpoint: s3.endpoint,
        bucket: s3.bucket,
        region: "us-east-1",
        credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
        forcePathStyle: true,
        spoolDir: join(root, "spool"),
      });
    }
  });
  afterAll(async () => {
    await storage.close();
    await s3?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("stores a spooled file whole, reads it back with and without a range, and lists it", async () => {
    const key = newKey();
    const bytes = randomBytes(70_000);
    const spooled = spoolPath(storage);
    writeFileSync(spooled, bytes);
    await storage.putFile(key, spooled, bytes.length, "application/octet-stream");
    expect(readdirSync(storage.spoolDir)).not.toContain(spooled.split("/").pop());
    expect(await storage.size(key)).toBe(bytes.length);
    const whole = await storage.get(key);
    expect(whole && (await buffer(whole)).equals(bytes)).toBe(true);
    const part = await storage.get(key, { start: 100, end: 199 });
    expect(part && (await buffer(part)).equals(bytes.subarray(100, 200))).toBe(true);
    expect(await keys(storage)).toContain(key);
  });

  it("answers null for what it does not hold, and deletes idempotently", async () => {
    const key = newKey();
    expect(await storage.get(key)).toBeNull();
    expect(await storage.size(key)).toBeNull();
    await storage.putBuffer(`${key}.t320.webp`, Buffer.from("thumb"), "image/webp");
    expect(await storage.size(`${key}.t320.webp`)).toBe(5);
    await storage.delete([`${key}.t320.webp`, key]);
    await storage.delete([`${key}.t320.webp`]);
    expect(await storage.size(`${key}.t320.webp`)).toBeNull();
    expect(await keys(storage)).not.toContain(`${key}.t320.webp`);
  });

  it("refuses keys that could name another path", async () => {
    await expect(storage.get("../../etc/passwd")).rejects.toThrow(/not a storage key/);
    await expect(storage.putBuffer("a/b", Buffer.from("x"), "text/plain")).rejects.toThrow(/not a storage key/);
  });
});

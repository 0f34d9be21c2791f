import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small RFC 8030 push service for tests: it accepts pushes on
 * `/push/<name>`, checks the VAPID signature (RFC 8292), decrypts each
 * payload (RFC 8291, aes128gcm) with the subscription's private key and
 * auth secret, and records what arrived. A subscription marked `gone`
 * answers 410, as a push service does for an expired one.
 */

export interface Received {
  name: string;
  payload: unknown;
  topic: string | undefined;
  urgency: string | undefined;
  ttl: string | undefined;
  vapidKey: string;
}

export interface TestSubscription {
  name: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const b64u = (b: Buffer) => b.toString("base64url");

export interface PushReceiver {
  url: string;
  received: Received[];
  /** Requests that failed a check (bad signature, undecryptable). Tests expect none. */
  problems: string[];
  subscription(name: string): TestSubscription;
  gone(name: string): void;
  close(): Promise<void>;
}

export async function startPushReceiver(): Promise<PushReceiver> {
  const subs = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: Buffer; gone: boolean }>();
  const received: Received[] = [];
  const problems: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const name = /^\/push\/([\w-]+)$/.exec(req.url ?? "")?.[1] ?? "";
      const sub = subs.get(name);
      if (!sub) return void res.writeHead(404).end();
      if (sub.gone) return void res.writeHead(410).end();
      try {
        const vapidKey = checkVapid(String(req.headers.authorization ?? ""), `http://${req.headers.host}`);
        if (req.headers["content-encoding"] !== "aes128gcm") throw new Error(`content-encoding ${req.headers["content-encoding"]}`);
        const payload: unknown = JSON.parse(decrypt(Buffer.concat(chunks), sub.ecdh, sub.auth));
        const h = (k: string) => (typeof req.headers[k] === "string" ? (req.headers[k] as string) : undefined);
        received.push({ name, payload, topic: h("topic"), urgency: h("urgency"), ttl: h("ttl"), vapidKey });
        res.writeHead(201).end();
      } catch (err) {
        problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    problems,
    subscription(name) {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = randomBytes(16);
      subs.set(name, { ecdh, auth, gone: false });
      return { name, endpoint: `${url}/push/${name}`, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } };
    },
    gone(name) {
      const s = subs.get(name);
      if (s) s.gone = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `vapid t=<JWT>, k=<public key>`: the JWT is ES256-signed by that key, for this origin, not expired. Returns the key. */
function checkVapid(header: string, origin: string): string {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header);
  if (!m?.[1] || !m[2]) throw new Error(`no VAPID authorization: ${header}`);
  const [head, claims, sig] = m[1].split(".") as [string, string, string];
  const point = Buffer.from(m[2], "base64url");
  const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33, 65)) }, format: "jwk" });
  if (!verify("sha256", Buffer.from(`${head}.${claims}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(sig, "base64url"))) {
    throw new Error("VAPID signature does not verify");
  }
  const c = JSON.parse(Buffer.from(claims, "base64url").toString()) as { aud?: string; exp?: number; sub?: string };
  if (c.aud !== origin) throw new Error(`VAPID aud ${c.aud}, not ${origin}`);
  if (!c.exp || c.exp * 1000 < Date.now()) throw new Error("VAPID token expired");
  if (!c.sub?.startsWith("mailto:") && !c.sub?.startsWith("https:")) throw new Error(`VAPID sub ${c.sub}`);
  return m[2];
}

/** RFC 8291 §3.4 / RFC 8188: one aes128gcm record, keyed from ECDH with the sender's key and the auth secret. */
function decrypt(body: Buffer, ecdh: ReturnType<typeof createECDH>, auth: Buffer): string {
  const salt = body.subarray(0, 16);
  const idlen = body.readUInt8(20);
  const senderKey = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  const secret = ecdh.computeSecret(senderKey);
  const info = Buffer.concat([Buffer.from("WebPush: info\0"), ecdh.getPublicKey(), senderKey]);
  const ikm = Buffer.from(hkdfSync("sha256", secret, auth, info, 32));
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  if (plain[end - 1] !== 2) throw new Error("no last-record delimiter");
  return plain.subarray(0, end - 1).toString("utf8");
}

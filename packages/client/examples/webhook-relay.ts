import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { createParleyClient } from "@parley/client";

/**
 * A webhook relay: receives a Parley outgoing webhook (`webhooks.createOutgoing`),
 * checks its signature, de-duplicates on the delivery id (delivery is at
 * least once) and relays the message into another room with the typed client.
 * Env: PARLEY_URL, PARLEY_TOKEN (scope write), PARLEY_WEBHOOK_SECRET, RELAY_ROOM_ID, PORT.
 */

const secret = process.env.PARLEY_WEBHOOK_SECRET ?? "";
const roomId = Number(process.env.RELAY_ROOM_ID ?? "0");
const client = createParleyClient({ url: process.env.PARLEY_URL ?? "http://localhost:8001", token: process.env.PARLEY_TOKEN ?? "" });
const seen = new Set<string>();

/** `X-Parley-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)>`, at most 5 minutes old. */
function verified(timestamp: string, signature: string, body: string): boolean {
  const expected = Buffer.from(`v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`);
  const given = Buffer.from(signature);
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return fresh && given.length === expected.length && timingSafeEqual(given, expected);
}

interface Delivery {
  message: { content: string };
  room: { name: string };
  user: { username: string };
}

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const ts = String(req.headers["x-parley-timestamp"] ?? "");
    if (!verified(ts, String(req.headers["x-parley-signature"] ?? ""), body)) {
      res.writeHead(401).end();
      return;
    }
    const id = String(req.headers["x-parley-delivery"] ?? "");
    if (!seen.has(id)) {
      seen.add(id);
      const d = JSON.parse(body) as Delivery;
      void client.send(roomId, `${d.user.username} in #${d.room.name}: ${d.message.content}`);
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
}).listen(Number(process.env.PORT ?? "8080"));

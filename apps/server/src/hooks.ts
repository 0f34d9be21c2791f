import type { IncomingMessage, ServerResponse } from "node:http";
import { postToWebhook, type Services } from "@parley/api";
import { answerRefusal, json, readSecretPost } from "./secret-post.ts";

/**
 * `POST /hooks/<secret>` (incoming webhooks, issue 17). The secret is the
 * only credential, so every way of not matching one (malformed, wrong,
 * rotated away, revoked) is the same 404 as a path that does not exist.
 * `Idempotency-Key` becomes the message's clientId: a retried POST stores one message.
 */
export async function serveHook(svc: Services, segments: readonly string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const post = await readSecretPost(segments, req, res);
  if (post === null) return;
  const result = await postToWebhook(svc, post.secret, post.body, post.idempotencyKey);
  if (result.kind === "posted") json(res, 200, { ok: true, messageId: result.message.id });
  else answerRefusal(res, result);
}

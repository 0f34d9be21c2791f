import type { IncomingMessage, ServerResponse } from "node:http";
import { postCommandResponse, type Services } from "@parley/api";
import { answerRefusal, json, readSecretPost } from "./secret-post.ts";

/**
 * `POST /command-responses/<secret>`: a custom command's late answer (issue
 * 17). As for incoming webhooks, the secret is the only credential, and a
 * wrong, expired or used-up one is the 404 of a path that does not exist.
 */
export async function serveCommandResponse(svc: Services, segments: readonly string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const post = await readSecretPost(segments, req, res);
  if (post === null) return;
  const result = await postCommandResponse(svc, post.secret, post.body, post.idempotencyKey);
  switch (result.kind) {
    case "posted":
      json(res, 200, { ok: true, messageId: result.messageId });
      return;
    case "told":
      json(res, 200, { ok: true });
      return;
    default:
      answerRefusal(res, result);
  }
}

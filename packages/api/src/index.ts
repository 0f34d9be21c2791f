import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root.ts";

export { appRouter, type AppRouter } from "./root.ts";
export { type Context, createHttpContext, createWsContext } from "./context.ts";
export { type Auth, authenticate } from "./domain/auth.ts";
export { type ApiConfig, type ApiObserver, createServices, defaultApiConfig, type Services } from "./services.ts";
export { CloseCode, type Socket } from "./realtime/connections.ts";
export { encodeReply, PreEncoded } from "./pre-encoded.ts";
export { SendEndpoint } from "./realtime/send-endpoint.ts";
export { StreamEndpoint } from "./realtime/stream-endpoint.ts";
export type { Bus, BusKind } from "./realtime/bus.ts";
export { openPostgresBus } from "./realtime/bus-postgres.ts";
export { openRedisBus } from "./realtime/bus-redis.ts";
export {
  type ControlEvent,
  DURABLE_EVENT_TYPES,
  type DurableEvent,
  type DurableEventBody,
  type DurableEventType,
  type LiveEvent,
  type StreamEvent,
  type StreamEventType,
} from "./events.ts";
export type { Member, Message, Room, Sender, User } from "./shapes.ts";
export type { Revision } from "./shapes.ts";
export * from "./schemas.ts";
export * from "./integration-schemas.ts";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type { DmMember, DmRoom } from "./domain/dms.ts";
export type { Person } from "./domain/people.ts";
export {
  bytesUsed,
  type FileBlobs,
  type NewUpload,
  readableFile,
  recordUpload,
  sweepOrphans,
  UploadQuotaExceeded,
} from "./domain/files.ts";
export { type Attachment, THUMBNAILED_TYPES } from "./shapes.ts";
export type { AvatarMaker } from "./domain/avatars.ts";
export { postToWebhook, type WebhookPost } from "./domain/webhooks.ts";
export { type CommandResponsePost, issueResponseUrl, postCommandResponse, RESPONSE_PATH } from "./domain/command-responses.ts";
export type { TokenInfo } from "./domain/tokens.ts";
export { OutgoingWorker, type OutgoingWorkerOptions } from "./domain/outgoing-worker.ts";
export { signature as webhookSignature } from "./domain/outgoing.ts";
// For parley-admin (issue 18): Slack's reaction names resolved as reactions are, and passwords hashed as at registration.
export { makeEmojiTable } from "./domain/emoji.ts";
export { makePasswordHasher } from "./auth/passwords.ts";

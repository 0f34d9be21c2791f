import type { Message } from "@parley/api";
import type { AttachmentSource, ParleyClient } from "./types.ts";

/** Which messages a bot's handler gets. */
export interface MessageFilter {
  /** Only this room's. */
  roomId?: number;
  /** Only messages that mention the bot (`@its-username`). */
  mentionsMe?: boolean;
}

/** What a handler can answer with; each goes through the client's outbox (stored once, retried until it is). */
export interface MessageContext {
  message: Message;
  /** A message in the same room (with files, as `client.send`). */
  reply(content: string, opts?: { attachments?: readonly AttachmentSource[] }): Promise<Message>;
  /** A reply in the message's thread (its root's, if it is a reply itself), with files, as `client.reply`. */
  replyInThread(content: string, opts?: { attachments?: readonly AttachmentSource[] }): Promise<Message>;
  react(emoji: string): ReturnType<ParleyClient["react"]>;
}

export type MessageHandler = (ctx: MessageContext) => void | Promise<void>;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Runs `handler` for every new message that passes `filter`, once each (the
 * client's stream delivers every durable event once, in order, across
 * reconnects). The bot's own messages and system messages are skipped, so a
 * bot that replies does not answer itself. A handler that throws is logged
 * by the client and does not stop the others. Returns the unsubscribe.
 */
export function onMessage(client: ParleyClient, filter: MessageFilter, handler: MessageHandler): () => void {
  const opts = filter.roomId === undefined ? {} : { roomId: filter.roomId };
  return client.events.on(
    "message.created",
    (event) => {
      const message = event.message;
      const me = client.user;
      if (message.kind !== "text" || message.sender === null || message.sender.id === me?.id) return;
      if (filter.mentionsMe && !(me && new RegExp(`(^|[^\\w@])@${escapeRegExp(me.username)}(?![\\w.-])`, "i").test(message.content))) return;
      const ctx: MessageContext = {
        message,
        reply: (content, opts) => client.send(message.roomId, content, opts),
        replyInThread: (content, opts) => client.reply(message.roomId, message.threadId ?? message.id, content, opts),
        react: (emoji) => client.react(message.id, emoji),
      };
      void Promise.resolve()
        .then(() => handler(ctx))
        .catch((err: unknown) => console.error("parley: a message handler failed", err));
    },
    opts,
  );
}

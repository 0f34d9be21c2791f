import type { ParleyClient } from "@parley/client";
import type { StreamEvent } from "@parley/api";

/** What the chat state needs from the client: the typed API and the event stream. */
export interface ChatClient {
  api: ParleyClient["api"];
  onEvent(handler: (e: StreamEvent) => void): () => void;
}

export const chatClient = (client: ParleyClient): ChatClient => ({
  api: client.api,
  onEvent: (handler) => client.events.on("*", handler),
});

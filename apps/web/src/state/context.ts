import type { OutboxItem, ParleyClient } from "@parley/client";
import { type Accessor, createContext, useContext } from "solid-js";
import type { Avatars } from "./avatars.ts";
import type { Chat } from "./chat.ts";
import type { Drafts } from "./drafts.ts";
import type { ConnectionView } from "./types.ts";
import type { ViewMemory } from "./view-memory.ts";

export interface AppContextValue {
  client: ParleyClient;
  chat: Chat;
  connection: Accessor<ConnectionView>;
  outbox: Accessor<readonly OutboxItem[]>;
  logout: () => void;
  /** Unsent composer text per room, kept across room switches and reloads (state/drafts.ts). */
  drafts: Drafts;
  /** Scroll position and "read up to" per room (state/view-memory.ts). */
  views: ViewMemory;
  /** Who has which avatar, kept live (state/avatars.ts). */
  avatars: Avatars;
  /** Phone layout: the room drawer. */
  closeDrawer: () => void;
  openDrawer: () => void;
}

export const AppContext = createContext<AppContextValue>();

export function useApp(): AppContextValue {
  const v = useContext(AppContext);
  if (!v) throw new Error("useApp outside <AppContext.Provider>");
  return v;
}

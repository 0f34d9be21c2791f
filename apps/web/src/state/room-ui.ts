import { createContext, createSignal, useContext } from "solid-js";
import type { Message } from "./types.ts";

/** Where the emoji picker opens, and for which message. */
export interface PickerTarget {
  messageId: number;
  anchor: HTMLElement;
}

export interface RoomUiDeps {
  meId: number;
  /** A room admin may delete anyone's message. */
  isAdmin: () => boolean;
  /** The usernames this screen knows (members, DM members, senders). */
  nameOf: (userId: number) => string | undefined;
  react: (messageId: number, emoji: string) => void;
  unreact: (messageId: number, emoji: string) => void;
  edit: (m: Message, content: string) => Promise<void>;
}

/**
 * What one room's screen is doing with its messages: which one is edited,
 * which thread is open, what is asked before deleting, whose history is shown.
 * `make*`: plain signals, nothing to clean up.
 */
export function makeRoomUi(deps: RoomUiDeps) {
  const [editing, setEditing] = createSignal<number | null>(null);
  /** Where focus goes back to when an edit ends (the composer after ↑, else the edited message's button). */
  let editOpener: HTMLElement | null = null;
  const [threadRoot, setThreadRoot] = createSignal<number | null>(null);
  const [deleting, setDeleting] = createSignal<Message | null>(null);
  const [history, setHistory] = createSignal<Message | null>(null);
  const [picker, setPicker] = createSignal<PickerTarget | null>(null);
  return {
    ...deps,
    editing,
    startEdit: (messageId: number, opener: HTMLElement | null) => {
      editOpener = opener;
      setEditing(messageId);
    },
    stopEdit: () => {
      setEditing(null);
      const back = editOpener;
      editOpener = null;
      if (back?.isConnected) back.focus();
    },
    threadRoot,
    openThread: (rootId: number | null) => setThreadRoot(rootId),
    deleting,
    askDelete: (m: Message | null) => setDeleting(m),
    history,
    showHistory: (m: Message | null) => setHistory(m),
    picker,
    openPicker: (t: PickerTarget | null) => setPicker(t),
    mine: (m: Message) => m.sender?.id === deps.meId,
    canDelete: (m: Message) => m.kind === "text" && m.deletedAt === null && (m.sender?.id === deps.meId || deps.isAdmin()),
  };
}

export type RoomUi = ReturnType<typeof makeRoomUi>;

export const RoomUiContext = createContext<RoomUi>();

/** The room's UI state, or undefined where a message is shown outside a room (component tests). */
export const useRoomUi = (): RoomUi | undefined => useContext(RoomUiContext);

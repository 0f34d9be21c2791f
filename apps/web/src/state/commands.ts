import type { RouterOutputs } from "@parley/api";
import type { ParleyClient } from "@parley/client";
import { type Accessor, createSignal } from "solid-js";

/** A room's commands as `commands.list` gives them: the built-ins, then the room's own. */
export type CommandItem = RouterOutputs["commands"]["list"][number];
type RunResult = RouterOutputs["commands"]["run"];

/** The first word of a line that may be a command: `/word` (a path such as `/usr/bin` is not one). */
const FIRST = /^\/([\w-]+)(?:\s|$)/;

/**
 * A room's slash commands, fetched once on first use (the composer asks
 * when a message starts with `/`). `make*`: plain, nothing to clean up.
 */
export function makeCommandList(client: ParleyClient, roomId: number): { items: Accessor<CommandItem[] | null>; load(): Promise<CommandItem[]> } {
  const [items, setItems] = createSignal<CommandItem[] | null>(null);
  let pending: Promise<CommandItem[]> | null = null;
  function load(): Promise<CommandItem[]> {
    const known = items();
    if (known) return Promise.resolve(known);
    pending ??= client.api.commands.list.query({ roomId }).then(
      (list) => {
        setItems(list);
        return list;
      },
      (err: unknown) => {
        pending = null; // asked again next time
        throw err;
      },
    );
    return pending;
  }
  return { items, load };
}

/** The command a message runs, if its first word names one of `list` (else it is sent as text). */
export function commandOf(text: string, list: readonly CommandItem[]): CommandItem | null {
  const m = FIRST.exec(text.trimStart());
  const trigger = m?.[1]?.toLowerCase();
  return (trigger && list.find((c) => c.trigger === trigger)) || null;
}

/** What to tell the person after a command: nothing for a message (it shows in the timeline), else its answer. */
export function noteOf(result: RunResult): string | null {
  return result.kind === "message" ? null : result.text;
}

import type { ParleyClient } from "@parley/client";
import { createSignal, onCleanup, Show } from "solid-js";
import { commandOf, makeCommandList, noteOf } from "../../state/commands.ts";

/** What the composer does with a line: send it as a message, run it as a command, or ask again once the list is in. */
export type SlashOutcome = "message" | "ran" | "wait";

/**
 * Slash commands in a room's composer (issue 17): the room's list for the
 * autocomplete, running a line whose first word names a command
 * (`commands.run`), and the answer a command gives only the caller (an
 * ephemeral reply, "Joined #x"), shown above the composer as a status, as
 * is a late one for the caller (`command.replied`, sent through the
 * command's response URL). `create*`: it listens to the stream until cleanup.
 */
export function createSlash(client: ParleyClient, roomId: number, onError: (message: string, line: string) => void) {
  const commands = makeCommandList(client, roomId);
  const [note, setNote] = createSignal<string | null>(null);
  onCleanup(client.events.on("command.replied", (e) => setNote(`${e.command}: ${e.text}`), { roomId }));
  // The list could not be fetched: lines go out as messages rather than wait for ever.
  let unavailable = false;

  /** Fetches the list before a line is decided on (it is usually in already: typing "/" asks for it). */
  function prepare(): Promise<void> {
    return commands.load().then(
      () => undefined,
      () => {
        unavailable = true;
      },
    );
  }

  function intercept(line: string): SlashOutcome {
    if (!line.trimStart().startsWith("/")) return "message";
    const list = commands.items();
    if (!list) return unavailable ? "message" : "wait";
    const command = commandOf(line, list);
    if (!command) return "message";
    setNote(null);
    client.api.commands.run.mutate({ roomId, text: line.trim(), clientId: `cmd-${crypto.randomUUID()}` }).then(
      (result) => setNote(noteOf(result)),
      // The composer puts the line back, so a refused command is not lost.
      (err: unknown) => onError(err instanceof Error ? err.message : `/${command.trigger} failed`, line),
    );
    return "ran";
  }

  function Note() {
    return (
      <Show when={note()}>
        {(text) => (
          <div class="slash-note" role="status">
            <span class="slash-note-label">Only you can see this</span>
            <span class="slash-note-text" dir="auto">
              {text()}
            </span>
            <button type="button" class="link-button" onClick={() => setNote(null)}>
              Dismiss
            </button>
          </div>
        )}
      </Show>
    );
  }

  return { commands, prepare, intercept, Note };
}

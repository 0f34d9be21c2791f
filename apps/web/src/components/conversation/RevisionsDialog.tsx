import type { RouterOutputs } from "@parley/api";
import { createResource, For, Show } from "solid-js";
import { plainError } from "../../lib/errors.ts";
import { exactTime } from "../../lib/time.ts";
import { useApp } from "../../state/context.ts";
import type { Message } from "../../state/types.ts";
import { Modal } from "../Modal.tsx";

type Revision = RouterOutputs["messages"]["revisions"][number];

/** An edited message's earlier versions (`messages.revisions`), newest first, under its current text. */
export function RevisionsDialog(props: { message: Message | null; onClose: () => void }) {
  const { client } = useApp();
  const [revisions] = createResource(
    () => props.message?.id,
    async (messageId): Promise<{ items: Revision[] } | { error: string }> => {
      try {
        const items = await client.api.messages.revisions.query({ messageId });
        return { items: [...items].sort((a, b) => b.rev - a.rev) };
      } catch (err) {
        return { error: plainError(err) };
      }
    },
  );
  return (
    <Modal open={props.message !== null} title="Edit history" onClose={props.onClose} testId="revisions-dialog">
      <Show when={props.message}>
        {(m) => (
          <ol class="revisions">
            <li class="revision revision-current">
              <span class="revision-when">Now · edited {m().editedAt === null ? "" : exactTime(m().editedAt ?? 0)}</span>
              <p class="revision-text" dir="auto">
                {m().content}
              </p>
            </li>
            <Show when={revisions()} fallback={<li class="revision">Loading…</li>}>
              {(r) => {
                const result = r();
                return "error" in result ? (
                  <li class="form-error" role="alert">
                    {result.error}
                  </li>
                ) : (
                  <For each={result.items}>
                    {(rev) => (
                      <li class="revision" data-rev={rev.rev}>
                        <span class="revision-when">
                          Version {rev.rev} · {exactTime(rev.createdAt)}
                        </span>
                        <p class="revision-text" dir="auto">
                          {rev.content}
                        </p>
                      </li>
                    )}
                  </For>
                );
              }}
            </Show>
          </ol>
        )}
      </Show>
    </Modal>
  );
}

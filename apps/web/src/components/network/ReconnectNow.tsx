import "./network.css";
import { useApp } from "../../state/context.ts";

/**
 * Skips the wait before the next attempt. The client library owns reconnecting
 * (`reconnectNow`): the stream resumes from its position and the outbox
 * resends, exactly as after any drop.
 */
export function ReconnectNow() {
  const { client } = useApp();
  return (
    <button type="button" class="button button-small banner-action" data-testid="reconnect-now" onClick={() => client.reconnectNow()}>
      Reconnect now
    </button>
  );
}

import type { ConnectionStatus as Status } from "@parley/client";
import { useApp } from "../../state/context.ts";

/** What the footer says about us: "Online" only while the socket and the stream really run. */
export function statusLabel(status: Status): string {
  switch (status) {
    case "open":
      return "Online";
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return "Reconnecting…";
    case "offline":
      return "Offline";
    default:
      return "Signed out";
  }
}

export function ConnectionStatus() {
  const { connection } = useApp();
  return (
    <span
      class="me-status"
      classList={{ away: connection().status !== "open" }}
      data-testid="connection-status"
      data-status={connection().status}
    >
      {statusLabel(connection().status)}
    </span>
  );
}

import { createEffect, createSignal, Match, on, onCleanup, Switch } from "solid-js";
import { now } from "../lib/now.ts";
import { useApp } from "../state/context.ts";
import { ReconnectNow } from "./network/ReconnectNow.tsx";

const BACK_ONLINE_MS = 3_000;
/** The first connection usually takes a blink: say "Connecting…" only if it takes longer. */
const SLOW_CONNECT_MS = 1_000;

/** Says plainly when we are not connected, when the next try is, and when we are back. */
export function ConnectionBanner() {
  const { connection, outbox } = useApp();
  const [backOnline, setBackOnline] = createSignal(false);
  const [slow, setSlow] = createSignal(false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let slowTimer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => {
    clearTimeout(timer);
    clearTimeout(slowTimer);
  });

  createEffect(
    on(
      () => connection().status === "connecting",
      (connecting) => {
        clearTimeout(slowTimer);
        setSlow(false);
        if (connecting) slowTimer = setTimeout(() => setSlow(true), SLOW_CONNECT_MS);
      },
    ),
  );

  createEffect(
    on(
      () => connection().status,
      (status, prev) => {
        if (status === "open" && (prev === "reconnecting" || prev === "offline")) {
          setBackOnline(true);
          clearTimeout(timer);
          timer = setTimeout(() => setBackOnline(false), BACK_ONLINE_MS);
        } else if (status !== "open") {
          setBackOnline(false);
        }
      },
    ),
  );

  const seconds = () => {
    const at = connection().nextRetryAt;
    return at ? Math.max(0, Math.ceil((at - now()) / 1000)) : null;
  };
  const pending = () => outbox().filter((o) => o.status === "pending").length;
  const pendingNote = () => (pending() > 0 ? ` ${pending()} unsent ${pending() === 1 ? "message" : "messages"} will go out when we're back.` : "");

  return (
    <div class="banner-slot" role="status" aria-live="polite">
      <Switch>
        <Match when={connection().status === "reconnecting"}>
          <div class="banner banner-warn" data-testid="connection-banner" data-status="reconnecting">
            <span class="spinner" aria-hidden="true" />
            <span>
              Connection lost. {(seconds() ?? 0) > 0 ? `Reconnecting in ${seconds()} s.` : "Reconnecting…"}
              {pendingNote()}
            </span>
            <ReconnectNow />
          </div>
        </Match>
        <Match when={connection().status === "offline"}>
          <div class="banner banner-warn" data-testid="connection-banner" data-status="offline">
            <span>You are offline. We'll reconnect as soon as the network is back.{pendingNote()}</span>
            <ReconnectNow />
          </div>
        </Match>
        <Match when={connection().status === "connecting" && slow()}>
          <div class="banner banner-info" data-testid="connection-banner" data-status="connecting">
            <span class="spinner" aria-hidden="true" />
            <span>
              {(seconds() ?? 0) > 0 ? `Can't reach the server yet. Trying again in ${seconds()} s…` : "Connecting…"}
            </span>
            <ReconnectNow />
          </div>
        </Match>
        <Match when={backOnline()}>
          <div class="banner banner-ok" data-testid="connection-banner" data-status="back-online">
            <span>Back online.</span>
          </div>
        </Match>
      </Switch>
    </div>
  );
}

import { createSignal, Show } from "solid-js";
import { ChatApp } from "./components/ChatApp.tsx";
import { navigate } from "./lib/route.ts";
import { lazyNamed } from "./lib/lazy.ts";
import { clearSession, loadSession, type StoredSession, saveSession } from "./lib/session.ts";

/** Signed-out screens in their own chunk: a signed-in start (the usual one) does not load them. */
const AuthScreen = lazyNamed(() => import("./components/AuthScreen.tsx").then((m) => m.AuthScreen));

/** Signed out: the auth forms. Signed in: the chat, keyed by session so a new sign-in starts fresh. */
export function App() {
  const [session, setSession] = createSignal<StoredSession | null>(loadSession());
  const [notice, setNotice] = createSignal<string | null>(null);
  return (
    <Show
      when={session()}
      keyed
      fallback={
        <AuthScreen
          notice={notice()}
          onAuthed={(s) => {
            saveSession(s);
            setNotice(null);
            setSession(s);
          }}
        />
      }
    >
      {(s) => (
        <ChatApp
          session={s}
          onSignedOut={(message) => {
            clearSession();
            setNotice(message);
            setSession(null);
            navigate({ name: "home" });
          }}
        />
      )}
    </Show>
  );
}

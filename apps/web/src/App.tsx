import { createSignal, Show } from "solid-js";
import { AuthScreen } from "./components/AuthScreen.tsx";
import { ChatApp } from "./components/ChatApp.tsx";
import { navigate } from "./lib/route.ts";
import { clearSession, loadSession, type StoredSession, saveSession } from "./lib/session.ts";

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

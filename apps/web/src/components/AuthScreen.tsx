import { loadSchemas } from "../lib/schemas.ts";
import { login, register } from "@parley/client";
import { createSignal, Show } from "solid-js";
import { plainError } from "../lib/errors.ts";
import { PASSWORD_HINT } from "../lib/password.ts";
import { inviteFromPath } from "../lib/invite.ts";
import type { StoredSession } from "../lib/session.ts";
import { type FieldErrors, validate } from "../lib/validate.ts";
import { Field } from "./Field.tsx";
import { ThemeToggle } from "./ThemeToggle.tsx";

/** Sign in or create an account; validated with the server's own schemas before anything is sent. */
export function AuthScreen(props: { notice?: string | null; onAuthed: (s: StoredSession) => void }) {
  // Opened from an invite link: registration, with its code (sent along; the server decides whether it is needed).
  const invite = inviteFromPath(location.pathname);
  const [mode, setMode] = createSignal<"login" | "register">(invite ? "register" : "login");
  const [errors, setErrors] = createSignal<FieldErrors>({});
  const [serverError, setServerError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  async function submit(e: SubmitEvent) {
    e.preventDefault();
    // currentTarget is gone after the first await: keep the form.
    const formEl = e.currentTarget as HTMLFormElement;
    const form = new FormData(formEl);
    const values = {
      username: String(form.get("username") ?? ""),
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      ...(invite ? { inviteCode: invite } : {}),
    };
    setServerError(null);
    const registering = mode() === "register";
    const { loginSchema, registerSchema } = await loadSchemas();
    const checked = registering ? validate(registerSchema, values) : validate(loginSchema, values);
    if (!checked.ok) {
      setErrors(checked.errors);
      const first = Object.keys(checked.errors)[0];
      if (first) formEl.querySelector<HTMLInputElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const url = location.origin;
      const r = registering
        ? await register(url, values)
        : await login(url, { username: values.username, password: values.password });
      if (invite) history.replaceState(null, "", "/");
      props.onAuthed({
        user: r.user,
        accessToken: r.accessToken,
        refreshToken: r.refreshToken,
        accessTokenExpiresAt: r.accessTokenExpiresAt,
      });
    } catch (err) {
      setServerError(plainError(err));
    } finally {
      setBusy(false);
    }
  }

  function switchMode(next: "login" | "register") {
    setMode(next);
    setErrors({});
    setServerError(null);
  }

  return (
    <div class="auth-page">
      <div class="auth-corner">
        <ThemeToggle />
      </div>
      <main class="auth-card">
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true">
            P
          </span>
          <span>Parley</span>
        </div>
        <h1 class="auth-title">{mode() === "login" ? "Welcome back" : "Create your account"}</h1>
        <p class="auth-subtitle">
          {mode() === "login" ? "Sign in to pick up where you left off." : "Join your team's conversations in a minute."}
        </p>
        <Show when={props.notice && !serverError()}>
          <p class="notice" role="status">
            {props.notice}
          </p>
        </Show>
        <form class="auth-form" onSubmit={submit} novalidate aria-label={mode() === "login" ? "Sign in" : "Create account"}>
          <Field
            label={mode() === "login" ? "Username or e-mail" : "Username"}
            name="username"
            autocomplete="username"
            autocapitalize="off"
            spellcheck={false}
            error={errors().username}
            hint={mode() === "register" ? "3–32 letters, digits, _ . or -" : undefined}
          />
          <Show when={mode() === "register"}>
            <Field label="E-mail" name="email" type="email" autocomplete="email" error={errors().email} />
          </Show>
          <Field
            label="Password"
            name="password"
            type="password"
            autocomplete={mode() === "login" ? "current-password" : "new-password"}
            error={errors().password}
            hint={mode() === "register" ? PASSWORD_HINT : undefined}
          />
          <Show when={serverError()}>
            <p class="form-error" role="alert">
              {serverError()}
            </p>
          </Show>
          <button type="submit" class="button button-primary button-block" disabled={busy()}>
            {busy() ? "Please wait…" : mode() === "login" ? "Sign in" : "Create account"}
          </button>
        </form>
        <p class="auth-switch">
          <Show
            when={mode() === "login"}
            fallback={
              <>
                Already have an account?{" "}
                <button type="button" class="link-button" onClick={() => switchMode("login")}>
                  Sign in
                </button>
              </>
            }
          >
            New here?{" "}
            <button type="button" class="link-button" onClick={() => switchMode("register")}>
              Create an account
            </button>
          </Show>
        </p>
      </main>
    </div>
  );
}

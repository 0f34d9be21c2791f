import type { User } from "@parley/api";

/** The signed-in session, kept in localStorage so a reload stays signed in. */
export interface StoredSession {
  user: User;
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: number;
}

const KEY = "parley.session";

function isSession(v: unknown): v is StoredSession {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  const user = o.user as Record<string, unknown> | null | undefined;
  return (
    typeof o.accessToken === "string" &&
    typeof o.refreshToken === "string" &&
    typeof o.accessTokenExpiresAt === "number" &&
    typeof user === "object" &&
    user !== null &&
    typeof user.id === "number" &&
    typeof user.username === "string"
  );
}

export function loadSession(): StoredSession | null {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? "null");
    return isSession(v) ? v : null;
  } catch {
    return null;
  }
}

export function saveSession(s: StoredSession): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // storage disabled: the session lasts until the tab closes
  }
}

export function clearSession(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // nothing to clear
  }
}

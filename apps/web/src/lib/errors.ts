/**
 * Server errors in plain words. Domain errors already carry a sentence;
 * validation errors carry zod issues (show the first one); anything else
 * gets a calm generic line instead of a stack or JSON.
 */
interface ErrorLike {
  message?: unknown;
  data?: { code?: unknown } | null;
  shape?: { message?: unknown } | null;
}

export function errorCode(err: unknown): string | null {
  const e = err as ErrorLike | null;
  const code = e?.data?.code;
  return typeof code === "string" ? code : null;
}

export function plainError(err: unknown): string {
  const e = err as ErrorLike | null;
  const code = errorCode(err);
  const message = typeof e?.message === "string" ? e.message : "";
  if (code === "INTERNAL_SERVER_ERROR") return "Something went wrong on the server. Please try again.";
  if (code === "BAD_REQUEST") return firstZodIssue(message) ?? "That input was not accepted.";
  if (code) return message || "The server refused that.";
  if (/fetch|network|closed|WebSocket/i.test(message)) return "Could not reach the server. Check your connection and try again.";
  return message || "Something went wrong. Please try again.";
}

function firstZodIssue(message: string): string | null {
  try {
    const issues = JSON.parse(message) as unknown;
    if (Array.isArray(issues)) {
      const first = issues[0] as { message?: unknown } | undefined;
      if (typeof first?.message === "string") return first.message;
    }
  } catch {
    // not JSON: a plain message
  }
  return message || null;
}

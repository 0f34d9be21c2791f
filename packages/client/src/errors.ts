import { TRPCClientError } from "@trpc/client";

/** The tRPC error code of a server answer (`FORBIDDEN`, …), or null for a transport failure. */
export function errorCode(err: unknown): string | null {
  if (err instanceof TRPCClientError) {
    const data: unknown = err.data;
    if (typeof data === "object" && data !== null && "code" in data && typeof data.code === "string") return data.code;
    const shape: unknown = err.shape;
    if (typeof shape === "object" && shape !== null && "data" in shape) {
      const d: unknown = shape.data;
      if (typeof d === "object" && d !== null && "code" in d && typeof d.code === "string") return d.code;
    }
  }
  return null;
}

/** Answers that will not change if the same request is sent again. */
const PERMANENT = new Set([
  "BAD_REQUEST",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "PAYLOAD_TOO_LARGE",
  "UNPROCESSABLE_CONTENT",
  "METHOD_NOT_SUPPORTED",
  "PARSE_ERROR",
]);

export const isPermanent = (err: unknown): boolean => {
  const code = errorCode(err);
  return code !== null && PERMANENT.has(code);
};

export const isUnauthorized = (err: unknown): boolean => errorCode(err) === "UNAUTHORIZED";

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The client was closed (or logged out) before this could finish. */
export class ParleyClosedError extends Error {
  constructor(message = "The Parley client was closed") {
    super(message);
    this.name = "ParleyClosedError";
  }
}

/** A send that failed for good (the server refused it); the item stays in the outbox as failed. */
export class SendFailedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly clientId: string,
  ) {
    super(message);
    this.name = "SendFailedError";
  }
}

/**
 * Domain errors carry a literal code; `trpc.ts` maps them to TRPCError at the
 * edge. Anything else that escapes a procedure is an internal error.
 */
export type DomainErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "TOO_MANY_REQUESTS";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found`);
export const forbidden = (why: string) => new DomainError("FORBIDDEN", why);
export const conflict = (why: string) => new DomainError("CONFLICT", why);
export const unauthorized = (why = "Not signed in") => new DomainError("UNAUTHORIZED", why);
export const tooManyRequests = (why: string) => new DomainError("TOO_MANY_REQUESTS", why);

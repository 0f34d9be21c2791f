import { getTRPCErrorFromUnknown, initTRPC, type ProcedureType, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import type { Context } from "./context.ts";
import { managedRoomAccess, requireServerAdmin } from "./domain/admin.ts";
import type { Auth } from "./domain/auth.ts";
import { requireMember, roomAccess } from "./domain/rooms.ts";
import { requireScope } from "./domain/tokens.ts";
import type { TokenScope } from "./integration-schemas.ts";
import { DomainError } from "./errors.ts";
import { Admission } from "./realtime/admission.ts";
import { roomIdInput } from "./schemas.ts";

/**
 * What a procedure declares about itself: `scope` is what a personal access
 * token needs to call it (domain/tokens.ts). A procedure that declares none
 * is for signed-in sessions and `admin` tokens only, so a new procedure is
 * closed to narrower tokens until it says otherwise.
 */
export interface ProcedureMeta {
  scope?: TokenScope;
}

const t = initTRPC.context<Context>().meta<ProcedureMeta>().create({
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : null;
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    return {
      ...shape,
      // The first field problem reads better than tRPC's JSON dump of all of them.
      message: internal ? "Internal server error" : (zod?.issues[0]?.message ?? shape.message),
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        zodError: zod ? z.flattenError(zod) : null,
      },
    };
  },
});

export const router = t.router;

/**
 * The edge of every procedure, as one middleware (each tRPC middleware costs
 * a context merge per call, and this runs on every message sent):
 * - domain errors become their tRPC codes here, and nowhere else;
 * - mutations under way are counted, so a graceful shutdown lets them commit and reply;
 * - a socket has at most a batch's worth of calls under way (`beginCall`): however
 *   many frames a client sends without waiting, the server works on a few of its calls at a time;
 * - each query's and mutation's duration goes to the app (metrics);
 * - every subscription, whatever the router adds later, is admitted here:
 *   WebSocket only, a few per socket (realtime/admission.ts);
 * - a batched HTTP response stays within its byte budget (`ReplyBudget`).
 * The lean `messages.send` endpoint (realtime/send-endpoint.ts) does the same through `beginCall` and `toTRPCError`.
 */
const edge = t.middleware(async function edge({ ctx, path, type, signal, next }) {
  const admission = type === "subscription" ? new Admission(ctx.conn.subscriptions, signal) : null;
  const end = beginCall(ctx, path, type);
  let ok = false;
  try {
    const result = await next();
    if (!result.ok) {
      admission?.release();
      if (result.error.cause instanceof DomainError) throw toTRPCError(result.error.cause);
      return result;
    }
    if (admission) {
      ok = true;
      return { ...result, data: admission.wrap(result.data) };
    }
    ctx.conn.replyBudget?.spend(result.data);
    ok = true;
    return result;
  } catch (err) {
    admission?.release();
    throw err;
  } finally {
    end(ok);
  }
});

/**
 * Starts the edge's bookkeeping for one call; the returned function ends it.
 * Throws TOO_MANY_REQUESTS when the socket already has its limit of queries
 * and mutations under way.
 */
export function beginCall(ctx: Context, path: string, type: ProcedureType): (ok: boolean) => void {
  const svc = ctx.svc;
  const timed = type !== "subscription";
  const write = type === "mutation";
  const slots = timed ? ctx.conn.calls : null;
  slots?.take();
  const start = timed ? performance.now() : 0;
  if (write) svc.inflight.begin();
  return (ok) => {
    slots?.give();
    if (timed) svc.observer.call(path, type, ok, (performance.now() - start) / 1000);
    if (write) svc.inflight.end();
  };
}

/** A domain error as the tRPC error the client sees; anything else as tRPC would wrap it. */
export function toTRPCError(cause: unknown): TRPCError {
  if (cause instanceof DomainError) return new TRPCError({ code: cause.code, message: cause.message, cause });
  return getTRPCErrorFromUnknown(cause);
}

/** The live session of a call: expiry and revocation are checked on every call. */
export function liveAuth(ctx: Context): Auth {
  const auth = ctx.conn.auth;
  if (!auth) throw new TRPCError({ code: "UNAUTHORIZED", message: "Not signed in" });
  if (auth.expiresAt <= ctx.svc.now()) throw new TRPCError({ code: "UNAUTHORIZED", message: "Access token expired" });
  if (ctx.svc.revokedSessions.has(auth.sessionId)) throw new TRPCError({ code: "UNAUTHORIZED", message: "Session revoked" });
  return auth;
}

export const publicProcedure = t.procedure.use(edge);

/**
 * Narrows `ctx.auth` to a live session (see `liveAuth`) allowed the scope
 * the procedure declares (`.meta({ scope })`); a token without it is FORBIDDEN.
 */
export const authedProcedure = publicProcedure.use(function requireAuth({ ctx, meta, next }) {
  const auth = liveAuth(ctx);
  requireScope(auth, meta?.scope ?? "admin");
  return next({ ctx: { auth } });
});

/** Loads the room; a private room is NOT_FOUND to non-members. */
export const roomProcedure = authedProcedure.input(roomIdInput).use(async function loadRoom({ ctx, input, next }) {
  return next({ ctx: { access: await roomAccess(ctx.svc, input.roomId, ctx.auth.userId) } });
});

/** Members only (FORBIDDEN for a non-member of a public room). */
export const memberProcedure = roomProcedure.use(function requireMembership({ ctx, next }) {
  return next({ ctx: { membership: requireMember(ctx.access) } });
});

/**
 * Room admins, and server admins for any room (domain/admin.ts
 * `managedRoomAccess`): everyone else is refused as `roomProcedure` and a
 * member check refuse them (NOT_FOUND for a private room, FORBIDDEN otherwise).
 */
export const adminProcedure = authedProcedure.input(roomIdInput).use(async function loadManagedRoom({ ctx, input, next }) {
  const access = await managedRoomAccess(ctx.svc, input.roomId, ctx.auth.userId);
  return next({ ctx: { access, membership: access.membership } });
});

/** Server admins only: the role is read now, so a demotion holds at once on every node and open socket. */
export const serverAdminProcedure = authedProcedure.use(async function requireServerAdminRole({ ctx, next }) {
  await requireServerAdmin(ctx.svc.db, ctx.auth.userId);
  return next({ ctx: { serverAdmin: true as const } });
});

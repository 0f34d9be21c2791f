import { createHash, createSecretKey, randomBytes } from "node:crypto";
import jwt from "jsonwebtoken";

/** What a verified access token says. */
export interface AccessClaims {
  userId: number;
  sessionId: string;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
}

export interface TokenIssuer {
  issueAccess(userId: number, sessionId: string): { token: string; expiresAt: number };
  /** Null for anything not a valid, unexpired HS256 access token signed with our key. */
  verifyAccess(token: string): AccessClaims | null;
}

const ISSUER = "parley";
const AUDIENCE = "parley:access";

export function makeTokenIssuer(secret: string, accessTtlSeconds: number): TokenIssuer {
  // A KeyObject made once: given a string, jsonwebtoken first tries to parse it
  // as a PEM public/private key (and throws) on every sign and verify.
  const key = createSecretKey(Buffer.from(secret, "utf8"));
  return {
    issueAccess(userId, sessionId) {
      const token = jwt.sign({ sid: sessionId, typ: "access" }, key, {
        algorithm: "HS256",
        expiresIn: accessTtlSeconds,
        subject: String(userId),
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      const decoded = jwt.decode(token) as { exp: number };
      return { token, expiresAt: decoded.exp * 1000 };
    },
    verifyAccess(token) {
      try {
        // The algorithm is pinned: `none` and asymmetric algorithms are refused.
        const p = jwt.verify(token, key, { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
        if (typeof p !== "object" || p.typ !== "access" || typeof p.sid !== "string" || typeof p.exp !== "number") {
          return null;
        }
        const userId = Number(p.sub);
        if (!Number.isSafeInteger(userId) || userId <= 0) return null;
        return { userId, sessionId: p.sid, expiresAt: p.exp * 1000 };
      } catch {
        return null;
      }
    },
  };
}

/** Refresh tokens are opaque random strings; only their SHA-256 is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashRefreshToken(token) };
}

export const hashRefreshToken = (token: string): string => createHash("sha256").update(token).digest("hex");

export const newSessionId = (): string => randomBytes(16).toString("base64url");

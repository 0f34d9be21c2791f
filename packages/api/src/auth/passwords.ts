import bcrypt from "bcryptjs";
import { PASSWORD_MAX_BYTES, utf8Bytes } from "../schemas.ts";

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** Burns the same time as a real check, so a missing user is not told apart by timing. */
  verifyDummy(password: string): Promise<void>;
}

export function makePasswordHasher(cost: number): PasswordHasher {
  // Made lazily per hasher (not on import) with the configured cost.
  let dummy: Promise<string> | null = null;
  return {
    hash: (password) => bcrypt.hash(password, cost),
    async verify(password, hash) {
      // bcrypt only reads the first 72 bytes: a longer candidate would match
      // a stored password that is its prefix. Such a password was never
      // accepted at registration, so it is wrong (after the same work).
      const ok = await bcrypt.compare(password, hash);
      return ok && utf8Bytes(password) <= PASSWORD_MAX_BYTES;
    },
    async verifyDummy(password) {
      dummy ??= bcrypt.hash("parley-dummy-password", cost);
      await bcrypt.compare(password, await dummy);
    },
  };
}

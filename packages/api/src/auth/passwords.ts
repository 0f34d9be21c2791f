import bcrypt from "bcryptjs";

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
    verify: (password, hash) => bcrypt.compare(password, hash),
    async verifyDummy(password) {
      dummy ??= bcrypt.hash("parley-dummy-password", cost);
      await bcrypt.compare(password, await dummy);
    },
  };
}

import { PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from "@parley/api/limits";

/** Says "bytes", as the server's error does: the limit is what bcrypt sees (an accented letter or an emoji takes several). */
export const PASSWORD_HINT = `${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes (most letters take 1, accents and emoji more)`;

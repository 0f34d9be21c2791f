import type { Plugin } from "esbuild";

/** tRPC's `_objectSpread2` as shipped; the build fails if the installed tRPC differs. */
export const ORIGINAL: string;
/** The drop-in replacement (see fast-spread.mjs). */
export const FAST: string;
export function fastSpread(): Plugin;

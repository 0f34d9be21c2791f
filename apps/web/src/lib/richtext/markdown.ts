import { lazyModule } from "./lazy.ts";

/** `@parley/api/markdown` (markdown-it and our tree), in its own chunk: messages show as text until it arrives. */
export const markdown = lazyModule(() => import("@parley/api/markdown"));

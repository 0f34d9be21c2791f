import { lazyModule } from "./lazy.ts";

/**
 * Syntax highlighting for code blocks: lowlight (highlight.js grammars,
 * output as a tree of spans, never HTML) with a few common languages, in
 * its own chunk, loaded when the first fenced block with a language shows.
 */
export const highlighter = lazyModule(() => import("./highlight-impl.ts"));

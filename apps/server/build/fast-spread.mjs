/**
 * tRPC's published build spreads objects with Babel's `_objectSpread2`
 * helper (property by property, through `defineProperty`), and it spreads
 * the call options and context several times per middleware per call:
 * measured on `messages.send` over WebSocket, 11 % of the server's CPU. This
 * esbuild plugin swaps in a helper with the same result that lets V8 copy
 * natively (`Object.assign`, a [[Set]] per key) where that equals the
 * original's per-key define: the target is an object literal or an earlier
 * result (that is all the compiled spreads pass: `{...a, b}` becomes
 * `_objectSpread2(_objectSpread2({}, a), {}, { b })`), so the only keys whose
 * [[Set]] differs are an own `__proto__` in a source (it would become the
 * prototype) and accessors copied in by a descriptor-copying (even) argument
 * earlier in the same call; both take the original path. `fast-spread.test.ts`
 * checks the two agree for those call shapes with arbitrary sources.
 */

/** The helper as tRPC 11 ships it (Babel); the build fails if it changes. */
export const ORIGINAL = `function _objectSpread2(e) {
	for (var r = 1; r < arguments.length; r++) {
		var t = null != arguments[r] ? arguments[r] : {};
		r % 2 ? ownKeys(Object(t), !0).forEach(function(r) {
			_defineProperty(e, r, t[r]);
		}) : Object.getOwnPropertyDescriptors ? Object.defineProperties(e, Object.getOwnPropertyDescriptors(t)) : ownKeys(Object(t)).forEach(function(r) {
			Object.defineProperty(e, r, Object.getOwnPropertyDescriptor(t, r));
		});
	}
	return e;
}`;

/**
 * The original with a fast path put in front of its per-argument code: a
 * value-copying (odd) argument without an own `__proto__`, while no
 * descriptor-copying (even) argument of this call has copied anything yet.
 */
export const FAST = insert(
  insert(ORIGINAL, "function _objectSpread2(e) {\n", "\tvar exact = false;\n"),
  "\t\tvar t = null != arguments[r] ? arguments[r] : {};\n",
  `\t\tif (r % 2 && !exact && !Object.prototype.hasOwnProperty.call(t, "__proto__")) {
\t\t\tObject.assign(e, t);
\t\t\tcontinue;
\t\t}
\t\tif (!(r % 2)) for (var k in t) { exact = true; break; }
`,
);

/** `text` with `addition` right after `anchor`, which must occur once. */
function insert(text, anchor, addition) {
  const at = text.indexOf(anchor);
  if (at < 0 || text.indexOf(anchor, at + 1) >= 0) throw new Error(`fast-spread: anchor not found once: ${JSON.stringify(anchor)}`);
  return text.slice(0, at + anchor.length) + addition + text.slice(at + anchor.length);
}

export function fastSpread() {
  return {
    name: "trpc-fast-spread",
    setup(build) {
      let swapped = 0;
      build.onLoad({ filter: /[\\/]@trpc[\\/]server[\\/]dist[\\/].*\.mjs$/ }, async (args) => {
        const { readFile } = await import("node:fs/promises");
        const text = await readFile(args.path, "utf8");
        if (!text.includes("function _objectSpread2(")) return undefined;
        if (!text.includes(ORIGINAL)) throw new Error(`${args.path}: tRPC's _objectSpread2 changed; review apps/server/build/fast-spread.mjs`);
        swapped++;
        return { contents: text.replace(ORIGINAL, FAST), loader: "js" };
      });
      build.onEnd((result) => {
        if (result.errors.length === 0 && swapped === 0) {
          result.errors.push({ text: "trpc-fast-spread: no tRPC helper found to swap; review apps/server/build/fast-spread.mjs" });
        }
      });
    },
  };
}

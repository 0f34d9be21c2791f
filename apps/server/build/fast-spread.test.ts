import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FAST, ORIGINAL } from "./fast-spread.mjs";

type Spread = (target: object, ...sources: unknown[]) => object;

/** tRPC's own helpers (typeof … objectSpread2) from the installed dist, with `_objectSpread2` as given. */
function helpers(spread: string): Spread {
  const dist = join(dirname(createRequire(import.meta.url).resolve("@trpc/server")), "");
  const file = readdirSync(dist).find((f) => f.startsWith("getErrorShape-") && f.endsWith(".mjs"));
  if (!file) throw new Error(`no getErrorShape-*.mjs in ${dist}`);
  const text = readFileSync(join(dist, file), "utf8");
  const from = text.indexOf("function _typeof(");
  const to = text.indexOf(ORIGINAL) + ORIGINAL.length;
  if (from < 0 || to < ORIGINAL.length) throw new Error("tRPC's spread helpers moved");
  return new Function(`${text.slice(from, to).replace(ORIGINAL, spread)}\nreturn _objectSpread2;`)() as Spread;
}

/** Everything observable about an object's own properties and prototype. */
function describeObject(o: object) {
  return {
    proto: Object.getPrototypeOf(o),
    keys: Reflect.ownKeys(o),
    props: Reflect.ownKeys(o).map((k) => Object.getOwnPropertyDescriptor(o, k)),
  };
}

/** The object built, or the error thrown (some arguments make tRPC's helper throw too). */
function outcome(spread: () => object) {
  try {
    return describeObject(spread());
  } catch (err) {
    return { threw: String(err) };
  }
}

const sym = Symbol("s");
const key = fc.oneof(fc.string(), fc.constantFrom("__proto__", "toString", "constructor", "ctx", "0", "1"));
const source = fc.oneof(
  fc.dictionary(key, fc.anything(), { maxKeys: 6 }),
  fc.constantFrom(null, undefined, "ab", 7),
  fc.integer().map((v) => ({
    [sym]: v,
    get lazy() {
      return v;
    },
  })),
  fc.json().map((j) => JSON.parse(`{"__proto__": ${j}, "a": 1}`) as object),
);

describe("the fast tRPC spread helper swapped in at build time", () => {
  const original = helpers(ORIGINAL);
  const fast = helpers(FAST);

  // The targets compiled spreads pass: an object literal with data properties (or an earlier result).
  const target = fc.dictionary(fc.constantFrom("ctx", "input", "lazy", "a", "0"), fc.anything(), { maxKeys: 3 });

  it("builds the same objects as tRPC's own helper for the call shapes compiled spreads make, with any sources", () => {
    fc.assert(
      fc.property(target, fc.array(source, { maxLength: 5 }), (t, sources) => {
        expect(outcome(() => fast({ ...t }, ...sources))).toEqual(outcome(() => original({ ...t }, ...sources)));
      }),
      { numRuns: 3000 },
    );
  });

  it("does not turn an own __proto__ key into a prototype", () => {
    const input = JSON.parse('{"__proto__": {"isAdmin": true}, "roomId": 1}') as object;
    const out = fast({}, input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
  });
});

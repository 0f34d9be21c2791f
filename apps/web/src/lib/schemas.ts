/**
 * The shared input schemas (`@parley/api/schemas`, i.e. zod: the largest
 * library here) in their own chunk, so the first screen does not wait for
 * it. Loading starts right after start-up (`preloadSchemas`), so by the time
 * anyone submits a form it is here; `schemasNow` is for the composer, which
 * must clear itself in the same tick as Enter.
 */
type Schemas = typeof import("@parley/api/schemas");

let loading: Promise<Schemas> | undefined;
let loaded: Schemas | undefined;

export function loadSchemas(): Promise<Schemas> {
  loading ??= import("@parley/api/schemas").then((m) => {
    loaded = m;
    return m;
  });
  return loading;
}

export const schemasNow = (): Schemas | undefined => loaded;

/** Starts loading once the first screen is up. */
export function preloadSchemas(): void {
  setTimeout(() => void loadSchemas().catch(() => undefined), 0);
}

import { createSignal } from "solid-js";

/** Hash routes: `#/room/12`, `#/browse`, or home. Hashes never reach the server. */
export type Route = { name: "home" } | { name: "browse" } | { name: "room"; roomId: number };

export function parseRoute(hash: string): Route {
  const room = /^#\/room\/(\d{1,15})$/.exec(hash);
  if (room) return { name: "room", roomId: Number(room[1]) };
  if (hash === "#/browse") return { name: "browse" };
  return { name: "home" };
}

export function routeHash(r: Route): string {
  return r.name === "room" ? `#/room/${r.roomId}` : r.name === "browse" ? "#/browse" : "#/";
}

const [route, setRoute] = createSignal<Route>({ name: "home" });
export { route };

/** Call once at start-up: reads the hash and follows back/forward. */
export function initRoute(): void {
  setRoute(parseRoute(location.hash));
  window.addEventListener("hashchange", () => setRoute(parseRoute(location.hash)));
}

export function navigate(r: Route): void {
  const hash = routeHash(r);
  if (location.hash !== hash) location.hash = hash;
  setRoute(r);
}

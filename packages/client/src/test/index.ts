/** Test helpers for packages that test against a real Parley server (`@parley/client/testing`). */
export { ChaosProxy } from "./proxy.ts";
export { ensureServerBuilt, mulberry32, ServerProcess, seededRandom } from "@parley/server/testing";

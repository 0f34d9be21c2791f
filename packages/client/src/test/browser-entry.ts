// Bundled for the browser test: the library as a page would load it.
import { createParleyClient, localStorageOutbox, login } from "../index.ts";

Object.assign(globalThis, { parley: { createParleyClient, localStorageOutbox, login } });

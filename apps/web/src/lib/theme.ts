import { createSignal } from "solid-js";

/** Light/dark follows the system until the person picks one; the pick is remembered. */
export type Theme = "light" | "dark";
const KEY = "parley.theme";

const media = () => (typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null);
const systemTheme = (): Theme => (media()?.matches ? "dark" : "light");

function storedTheme(): Theme | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === "light" || v === "dark" ? v : null;
  } catch {
    return null;
  }
}

const [choice, setChoice] = createSignal<Theme | null>(storedTheme());
const [system, setSystem] = createSignal<Theme>(systemTheme());

/** Call once at start-up: applies the theme and follows system changes and the other tabs' picks. */
export function initTheme(): void {
  media()?.addEventListener("change", () => setSystem(systemTheme()));
  // A pick made in another tab arrives as a `storage` event (never in the tab that made it).
  addEventListener("storage", (e) => {
    if (e.key !== KEY && e.key !== null) return;
    setChoice(storedTheme());
    apply();
  });
  apply();
}

function apply() {
  const c = choice();
  if (c) document.documentElement.dataset.theme = c;
  else delete document.documentElement.dataset.theme;
}

export const theme = (): Theme => choice() ?? system();

export function toggleTheme(): void {
  const next: Theme = theme() === "dark" ? "light" : "dark";
  setChoice(next);
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // not remembered
  }
  apply();
}

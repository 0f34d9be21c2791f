import { theme, toggleTheme } from "../lib/theme.ts";

export function ThemeToggle() {
  const label = () => (theme() === "dark" ? "Switch to light theme" : "Switch to dark theme");
  return (
    <button type="button" class="icon-button" aria-label={label()} title={label()} onClick={toggleTheme}>
      <span aria-hidden="true">{theme() === "dark" ? "☀" : "☾"}</span>
    </button>
  );
}

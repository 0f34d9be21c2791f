import { theme, toggleTheme } from "../lib/theme.ts";
import { Icon } from "./Icon.tsx";

export function ThemeToggle() {
  const label = () => (theme() === "dark" ? "Switch to light theme" : "Switch to dark theme");
  return (
    <button type="button" class="icon-button" aria-label={label()} title={label()} onClick={toggleTheme}>
      <Icon name={theme() === "dark" ? "sun" : "moon"} />
    </button>
  );
}

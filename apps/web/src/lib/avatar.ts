/** Two-letter initials and a stable hue per username, for avatars. */
export function initials(name: string): string {
  const words = name.split(/[\s._-]+/).filter(Boolean);
  const first = words[0] ?? name;
  const second = words[1];
  const letters = second ? [...first][0] + ([...second][0] ?? "") : [...first].slice(0, 2).join("");
  return (letters || "?").toUpperCase();
}

export function hue(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 360;
  return h;
}

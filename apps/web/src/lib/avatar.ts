/** Two-letter initials and a stable hue per username, for avatars (components/Avatar.tsx draws every one). */
export function initials(name: string): string {
  const words = name.split(/[\s._-]+/).filter(Boolean);
  const first = words[0] ?? name;
  const second = words[1];
  const letters = second ? [...first][0] + ([...second][0] ?? "") : [...first].slice(0, 2).join("");
  return (letters || "?").toUpperCase();
}

/** FNV-1a (32-bit) over the UTF-8 bytes: one changed letter flips about half the bits. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A hue in [0, 360) from the name's hash. The hash's last avalanche step
 * (multiply by the golden ratio's 32-bit constant, keep the top bits) spreads
 * near hashes across the whole wheel, so "ann1" and "ann2" land far apart.
 */
export function hue(name: string): number {
  const mixed = Math.imul(fnv1a(name.normalize("NFKC").toLowerCase()), 0x9e3779b1) >>> 0;
  return Math.floor((mixed / 2 ** 32) * 360);
}

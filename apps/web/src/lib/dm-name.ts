/** Who a DM is with, by name: its members but oneself; a note-to-self is named so. */
export function dmName(members: readonly { id: number; username: string }[] | undefined, meId: number, meName: string): string {
  const others = (members ?? []).filter((m) => m.id !== meId).map((m) => m.username);
  if (others.length === 0) return `${meName} (note to self)`;
  return others.sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" })).join(", ");
}

/** The other members' ids: whose presence a DM shows. */
export const dmOthers = (members: readonly { id: number }[] | undefined, meId: number): number[] =>
  (members ?? []).filter((m) => m.id !== meId).map((m) => m.id);

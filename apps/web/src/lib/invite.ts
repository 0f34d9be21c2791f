/** The code of an invite link (`/invite/<code>`, issue 18), or null on any other path. */
export function inviteFromPath(pathname: string): string | null {
  const m = /^\/invite\/([A-Za-z0-9_-]{8,64})\/?$/.exec(pathname);
  return m?.[1] ?? null;
}

/** Creates bench users and rooms through the public HTTP API, as any client would. */

export interface BenchUser {
  id: number;
  username: string;
  token: string;
  roomId: number;
}

export async function rpc<T>(httpUrl: string, path: string, input: unknown, token?: string): Promise<T> {
  const res = await fetch(`${httpUrl}/trpc/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  if (!res.ok || !body.result) throw new Error(`${path} failed (${res.status}): ${body.error?.message ?? "no result"}`);
  return body.result.data;
}

async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

type AuthResult = { user: { id: number; username: string }; accessToken: string };

/**
 * `rooms` rooms of `perRoom` members each (user k is in room ⌊k / perRoom⌋).
 * The first member creates the room, the others join it.
 */
export async function createUsersInRooms(
  httpUrl: string,
  opts: { rooms: number; perRoom: number; prefix: string; progress?: (done: number, total: number) => void },
): Promise<BenchUser[]> {
  const total = opts.rooms * opts.perRoom;
  let done = 0;
  const auth = await pool(total, 8, async (i) => {
    const r = await rpc<AuthResult>(httpUrl, "auth.register", {
      username: `${opts.prefix}${i}`,
      email: `${opts.prefix}${i}@bench.invalid`,
      password: "bench-password",
    });
    done++;
    if (done % 250 === 0) opts.progress?.(done, total);
    return r;
  });
  const roomIds = await pool(opts.rooms, 4, async (g) => {
    const creator = auth[g * opts.perRoom];
    if (!creator) throw new Error("no creator");
    const room = await rpc<{ id: number }>(httpUrl, "rooms.create", { name: `bench-${g}` }, creator.accessToken);
    return room.id;
  });
  await pool(total, 8, async (i) => {
    if (i % opts.perRoom === 0) return;
    const a = auth[i];
    const roomId = roomIds[Math.floor(i / opts.perRoom)];
    if (a && roomId !== undefined) await rpc(httpUrl, "rooms.join", { roomId }, a.accessToken);
  });
  return auth.map((a, i) => ({
    id: a.user.id,
    username: a.user.username,
    token: a.accessToken,
    roomId: roomIds[Math.floor(i / opts.perRoom)] ?? 0,
  }));
}

/** More sessions (access tokens) for the same user: one per socket, as separate devices would have. */
export async function login(httpUrl: string, username: string): Promise<string> {
  const r = await rpc<AuthResult>(httpUrl, "auth.login", { username, password: "bench-password" });
  return r.accessToken;
}

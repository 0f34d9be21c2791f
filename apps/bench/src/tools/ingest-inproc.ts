import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appRouter, type Context, createServices, defaultApiConfig } from "@parley/api";
import { migrate, openSqlite } from "@parley/db";

/**
 * Tuning aid: messages.send through the router (middlewares, zod, domain,
 * SQLite) in one process, with no sockets: what a send costs before the
 * network. Usage: tsx src/tools/ingest-inproc.ts [senders] [seconds]
 */
const senders = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 5);
const handle = openSqlite({ filename: join(mkdtempSync(join(tmpdir(), "parley-inproc-")), "i.db") });
await migrate(handle);
const svc = createServices(handle.db, { ...defaultApiConfig, secretKey: "x".repeat(40), bcryptCost: 4, sendBurst: 1e9, sendPerSecond: 1e9, registrationsPerIp: 1e9 }, { writeTransaction: handle.writeTransaction });
await svc.start();
const ctxFor = (auth: Context["conn"]["auth"]): Context => {
  const conn: Context["conn"] = { auth, socket: null, subscriptions: null, calls: null, replyBudget: null, setAuth: (a) => { conn.auth = a; } };
  return { svc, conn, clientAddress: "127.0.0.1" } as Context;
};
const anon = appRouter.createCaller(ctxFor(null));
const callers: ReturnType<typeof appRouter.createCaller>[] = [];
let roomId = 0;
for (let i = 0; i < senders; i++) {
  const r = await anon.auth.register({ username: `inproc${i}`, email: `inproc${i}@x.invalid`, password: "bench-password" });
  const claims = svc.tokens.verifyAccess(r.accessToken);
  if (!claims) throw new Error("no claims");
  const c = appRouter.createCaller(ctxFor({ userId: claims.userId, username: r.user.username, sessionId: claims.sessionId, expiresAt: claims.expiresAt }));
  if (i === 0) roomId = (await c.rooms.create({ name: "inproc" })).id;
  else await c.rooms.join({ roomId });
  callers.push(c);
}
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let n = 0;
let seq = 0;
await Promise.all(
  callers.map(async (c) => {
    while (performance.now() - t0 < seconds * 1000) {
      seq++;
      await c.messages.send({ roomId, content: `m ${seq}`, clientId: `c-${seq}` });
      n++;
    }
  }),
);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(`${n} sends in ${(ms / 1000).toFixed(1)} s: ${Math.round(n / (ms / 1000))}/s, ${Math.round((cpu.user + cpu.system) / n)} µs CPU per send`);
await svc.stop();
await handle.close();

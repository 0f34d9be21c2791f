import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { ServerProcess } from "./test/process.ts";

/**
 * Generated malformed HTTP against the production build: request lines,
 * targets, headers, bodies and upgrades, sent over raw TCP. The same process
 * (same pid, never exited) must keep answering /healthz throughout, and no
 * reply may be a 5xx: nothing a client sends is the server's fault.
 * The seed is printed on failure; replay with PARLEY_FUZZ_SEED=<seed>.
 */

const SEED = Number(process.env.PARLEY_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CASES = Number(process.env.PARLEY_FUZZ_CASES ?? 800);
const PARALLEL = 12;
const CASE_DEADLINE_MS = 3000;

/** mulberry32: small, seedable, good enough to pick cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

const PATHS = ["/", "/healthz", "/readyz", "/metrics", "/trpc/auth.me", "/trpc/rooms.list", "/trpc/messages.send", "/ws", "/index.html", "/assets/app.js", "/a/b/c", "/trpc/", "/trpc"];
const FRAGMENTS = [
  "%", "%f", "%ff", "%FF%FE", "%c0%af", "%e0%80%af", "%ed%a0%80", "%00", "%0a", "%0d%0a", "%20", "%2e", "%2e%2e", "%2E%2e", "%2f", "%2F", "%5c",
  "..", "../", "..%2f", "%2e%2e%2f", "..\\", "\\", "//", "///", ".", "./", "~", "*", "?", "??", "#", "&", "=", ";", "@", ":", "[", "]", "{}",
  "é", "\u202e", "\u0000", "\u0001", "\u007f", "\ufeff", "a".repeat(300), "%25", "%%", "%g0", "%0g", "+", "input=%ff", "input={", "batch=1&input=%7B",
  "evil.txt", "passwd", "etc", "link-out", "link-in", "index.html%00.js",
];
const HOSTS = [
  "127.0.0.1:PORT", "localhost:PORT", "[::1]:PORT", "localhost", "x:99999", "x:-1", "x:", ":80", "[::1", "[zz]:80", "a b", "évil.example", "user@host",
  "host/path", "evil.example", "evil.example:PORT", "", " ", "127.0.0.1:PORT, evil.example", "%00", "localhost:65536", "1.2.3.4:0",
];
const HEADER_NAMES = ["origin", "authorization", "x-forwarded-for", "x-request-id", "content-type", "cookie", "accept", "trpc-accept", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "range", "if-none-match"];
const HEADER_VALUES = [
  "null", "http://evil.example", "http://localhost:PORT", "Bearer ", "Bearer x.y.z", "Bearer \u00ff", "Basic Zm9vOmJhcg==", "1.2.3.4, ::1, garbage", "<script>",
  "application/json", "text/event-stream", "websocket", "Upgrade", "13", "99", "dGhlIHNhbXBsZSBub25jZQ==", "bytes=0-1,5-", "*", "\u00e9\u00e8", "a".repeat(2000), "",
];
const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "PRI", "BREW", "G ET", "get", "", "GET\u0000", "POST\t"];
const VERSIONS = ["HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "HTTP/1.1x", "http/1.1", "HTTP/1", "", "HTTP/1.1 extra"];
const BODIES = ['{"0":{"json":null}}', '{"roomId":1', "\u0000\u0001\u0002", "[]", "null", '{"0":{}}'.repeat(50), "%ff", "a=1&b=%zz", "\uffff".repeat(20)];

// Well-formed pieces, so that many cases get past the parser into the routes, tRPC, the static files and the upgrade.
const CLEAN = ["%20", "%2e", "%2e%2e", "..", ".", "~", "evil.txt", "link-out", "link-in", "assets", "index.html", "auth.me", "input=%7B%7D", "batch=1", "x=1"];

function target(r: Rng, port: number): string {
  const roll = r.int(10);
  const fragment = () => (r.chance(0.6) ? r.pick(CLEAN) : r.pick(FRAGMENTS));
  let path = r.pick(PATHS);
  for (let i = r.int(4); i > 0; i--) path += (r.chance(0.5) ? "/" : "") + fragment();
  if (r.chance(0.3)) path += `?${fragment()}${fragment()}`;
  if (roll === 0) return `http://${r.pick(HOSTS).replace("PORT", String(port))}${path}`;
  if (roll === 1) return r.pick(["*", "", "http://", "http://x:99999/", "https://[::1]:99999/ws", "//x/y", "x", "?", "../../etc/passwd", "http:/x/", "ws://x/ws"]);
  return path;
}

/** One generated request, as raw bytes (latin1 so that every code unit below 256 is one byte, others become garbage bytes too). */
function generate(r: Rng, port: number): { bytes: Buffer; reset: boolean } {
  const lines: string[] = [];
  const method = r.chance(0.8) ? r.pick(["GET", "GET", "POST", "HEAD", "OPTIONS"]) : r.pick(METHODS);
  const version = r.chance(0.85) ? "HTTP/1.1" : r.pick(VERSIONS);
  lines.push(r.chance(0.97) ? `${method} ${target(r, port)} ${version}`.trimEnd() : r.pick(["", " ", "\u0000", "GET", "GET /", `GET  / HTTP/1.1`]));
  if (r.chance(0.95)) lines.push(`Host: ${r.chance(0.75) ? `127.0.0.1:${port}` : r.pick(HOSTS).replace("PORT", String(port))}`);
  if (r.chance(0.05)) lines.push(`Host: ${r.pick(HOSTS).replace("PORT", String(port))}`);
  const upgrade = r.chance(0.15);
  if (upgrade) {
    lines.push("Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Version: ${r.pick(["13", "13", "8", ""])}`);
    lines.push(`Sec-WebSocket-Key: ${r.pick(["dGhlIHNhbXBsZSBub25jZQ==", "short", "", "%%%%"])}`);
  }
  for (let i = r.int(5); i > 0; i--) {
    const name = r.chance(0.95) ? r.pick(HEADER_NAMES) : r.pick(["x y", "", ":", "x\u0000", "é", "(", "x-\u00ff", " leading"]);
    const value = r.pick(HEADER_VALUES).replace("PORT", String(port));
    lines.push(r.chance(0.02) ? ` folded ${value}` : `${name}: ${value}`);
  }
  let body = "";
  if (method === "POST" || r.chance(0.1)) {
    body = r.pick(BODIES);
    const declared = Buffer.byteLength(body, "latin1");
    const roll = r.int(10);
    if (roll === 0) {
      lines.push("Transfer-Encoding: chunked");
      body = r.pick([`${declared.toString(16)}\r\n${body}\r\n0\r\n\r\n`, "zz\r\nxx\r\n", "5\r\nab\r\n", "0\r\n\r\n"]);
    } else if (roll === 1) lines.push(`Content-Length: ${r.pick(["-1", "abc", "1, 2", "99999999999999999999", "1e3"])}`);
    else if (roll === 2) lines.push(`Content-Length: ${declared}`, `Content-Length: ${declared + 1}`);
    else if (roll === 3) lines.push("Content-Length: 5", "Transfer-Encoding: chunked");
    else lines.push(`Content-Length: ${declared}`, "Content-Type: application/json");
  }
  if (!upgrade && r.chance(0.9)) lines.push("Connection: close");
  const eol = r.chance(0.95) ? "\r\n" : r.pick(["\n", "\r", "\r\r\n"]);
  let text = `${lines.join(eol)}${eol}${eol}${body}`;
  // Sometimes a second, pipelined request after the first.
  if (r.chance(0.05)) text += `GET ${target(r, port)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
  return { bytes: Buffer.from(text, r.chance(0.9) ? "latin1" : "utf8"), reset: r.chance(0.04) };
}

interface Outcome {
  statuses: number[];
  raw: string;
}

/** Sends one case and collects every status line the server answers with, until it closes (or the deadline). */
let timedOut = 0;
function send(port: number, bytes: Buffer, reset: boolean, r: Rng): Promise<Outcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, "127.0.0.1");
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const raw = Buffer.concat(chunks).toString("latin1");
      const statuses = [...raw.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ statuses, raw: raw.slice(0, 300) });
    };
    const timer = setTimeout(() => {
      timedOut++;
      finish();
    }, CASE_DEADLINE_MS);
    s.on("connect", () => {
      if (reset) {
        // Half a request, then a TCP reset: the server must shrug it off.
        s.write(bytes.subarray(0, Math.max(1, r.int(bytes.length))));
        setImmediate(() => s.resetAndDestroy());
        finish();
        return;
      }
      // Split at a random point: the parser must cope with requests arriving in pieces.
      const cut = r.int(bytes.length + 1);
      s.write(bytes.subarray(0, cut));
      s.write(bytes.subarray(cut));
    });
    s.on("data", (c: Buffer) => {
      chunks.push(c);
      // An upgrade that succeeded stays open: its status is all we need.
      if (/^HTTP\/1\.1 101 /.test(Buffer.concat(chunks).toString("latin1"))) finish();
    });
    s.on("error", finish);
    s.on("close", finish);
  });
}

async function healthz(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) })).status;
  } catch (err) {
    throw new Error(`/healthz unanswered (server process ${server.running ? "still running" : "exited"}): ${String(err)}`);
  }
}

const webRoot = mkdtempSync(join(tmpdir(), "parley-fuzz-web-"));
let server: ServerProcess;

beforeAll(async () => {
  // A web app with a file outside it and symlinks out of and within it, so the static handler is exercised.
  const web = join(webRoot, "web");
  mkdirSync(join(web, "assets"), { recursive: true });
  writeFileSync(join(web, "index.html"), "<!doctype html><title>fuzz</title>");
  writeFileSync(join(web, "assets", "app.js"), "export {};");
  writeFileSync(join(webRoot, "evil.txt"), "outside the web dir");
  symlinkSync(join(webRoot, "evil.txt"), join(web, "link-out"));
  symlinkSync(join(web, "index.html"), join(web, "link-in"));
  // Errors are logged: a handler that failed on some input shows up below even if its reply looked fine.
  server = new ServerProcess({ WEB_DIR: web, LOG_LEVEL: "error" });
  await server.start();
}, 60_000);

afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
  rmSync(webRoot, { recursive: true, force: true });
});

describe("HTTP fuzz against the server process", () => {
  it(`survives ${CASES} generated malformed requests without a 5xx and keeps answering /healthz`, async () => {
    onTestFailed(() => {
      console.error(`http-fuzz seed: ${SEED} (replay with PARLEY_FUZZ_SEED=${SEED})\nserver log:\n${server.log.slice(-3000)}`);
    });
    const r = prng(SEED);
    const pid = server.pid;
    const port = server.port;
    const cases = Array.from({ length: CASES }, (_, i) => ({ i, ...generate(r, port) }));
    const fives: string[] = [];
    const exits: string[] = [];
    let answered = 0;
    const statuses: Record<number, number> = {};
    let next = 0;
    let completed = 0;
    // A pool, not batches: a case that waits out its deadline does not hold up the others.
    const worker = async () => {
      for (let c = cases[next++]; c; c = cases[next++]) {
        const o = await send(port, c.bytes, c.reset, r);
        if (o.statuses.length > 0) answered++;
        for (const st of o.statuses) statuses[st] = (statuses[st] ?? 0) + 1;
        const shown = JSON.stringify(c.bytes.toString("latin1").slice(0, 200));
        if (o.statuses.some((s) => s >= 500)) fives.push(`case ${c.i}: ${shown} → ${JSON.stringify(o.raw)}`);
        if ((!server.running || server.pid !== pid) && exits.length === 0) exits.push(`after case ${c.i} (or one running beside it): ${shown}`);
        if (++completed % 50 === 0) expect(await healthz(port), `/healthz after ${completed} cases`).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    expect(exits, `the server process exited (seed ${SEED})`).toEqual([]);
    if (process.env.PARLEY_FUZZ_DEBUG) console.log(JSON.stringify({ timedOut, answered, statuses }));
    expect(fives, `5xx replies (seed ${SEED})`).toEqual([]);
    expect(await healthz(port)).toBe(200);
    expect(server.pid).toBe(pid);
    const failures = server.log.split("\n").filter((l) => /"msg":"(request failed|upgrade failed|procedure failed|http server error)"/.test(l));
    expect(failures, `errors logged (seed ${SEED})`).toEqual([]);
    // Most cases must have been answered at all: a server that only drops connections would pass the checks above.
    expect(answered).toBeGreaterThan(CASES / 2);
  }, 60_000);
});

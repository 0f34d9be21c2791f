/**
 * What the longest task of each older page is made of, as the web scenario
 * times it (a wheel-sized step into the list's trigger, the page fetched and
 * applied): the trace's events inside it and the JS functions sampled in it
 * (self and inclusive time by the event they ran in, summed over the pages
 * whose task passes `--over` ms). Each page's line: the longest task (ms
 * after the step, CPU), the other tasks over 2 ms, the events in it.
 * `WEB_DIR=<dist> tsx src/tools/web-older-profile.ts [messages] [--over=12]`;
 * a non-minified build (`vite build --minify false`) names the functions;
 * EXTRA_CSS=<rules> tries a style without a rebuild.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { repoRoot, startParley } from "../proc.ts";
import { prepareWeb, seedRoom } from "../scenarios/web.ts";

interface Ev {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  id?: string;
  args?: {
    name?: string;
    data?: {
      type?: string;
      startTime?: number;
      cpuProfile?: { nodes?: { id: number; parent?: number; callFrame: { functionName: string; url?: string; lineNumber: number } }[]; samples?: number[] };
      timeDeltas?: number[];
    };
  };
}

const messages = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 3000);
const over = Number(process.argv.find((a) => a.startsWith("--over="))?.slice(7) ?? 12);
const dir = mkdtempSync(join(tmpdir(), "web-older-"));
const file = join(dir, "p.db");
const env = { WEB_DIR: process.env.WEB_DIR ?? join(repoRoot, "apps", "web", "dist") };
let server = await startParley({ dbFile: file, env });
const setup = await prepareWeb(server);
await server.stop();
seedRoom(file, setup.longRoom, setup.reader.user.id, messages);
server = await startParley({ dbFile: file, env });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--disable-gpu", "--disable-quic", "--no-sandbox", "--enable-precise-memory-info"],
});
const SETTLED = `(() => {
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return frames().then(() => new Promise((r) => requestIdleCallback(r, { timeout: 1000 }))).then(frames);
})()`;
const fnSelf = new Map<string, number>();
const evTotal = new Map<string, number>();
const fnTotal = new Map<string, number>();
const all: number[] = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(`localStorage.getItem("parley.session") || localStorage.setItem("parley.session", ${JSON.stringify(JSON.stringify(setup.reader))})`);
  const page = await context.newPage();
  await page.goto(`${server.httpUrl}/#/room/${setup.longRoom}`);
  await page.locator(".msg-text").first().waitFor();
  // EXTRA_CSS: a style to try (compositing, containment) without a rebuild.
  if (process.env.EXTRA_CSS) await page.addStyleTag({ content: process.env.EXTRA_CSS });
  const scroller = page.getByTestId("message-scroller");
  const count = (): Promise<number> => page.evaluate(`Number(document.querySelector('[data-testid="message-scroller"]').dataset.count)`);
  for (let n = await count(); n < messages; ) {
    for (let tries = 0; tries < 5 && (tries === 0 || (await scroller.evaluate((el) => el.scrollTop)) > 700); tries++) {
      await scroller.evaluate((el) => {
        el.scrollTop = 650;
      });
      await page.evaluate(SETTLED);
    }
    await browser.startTracing(page, {
      categories: ["toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "v8", "disabled-by-default-v8.cpu_profiler", "__metadata"],
    });
    // Marked in the trace: tasks before it are the tracing's own start.
    await scroller.evaluate((el) => {
      console.timeStamp("step");
      el.scrollTop = 550;
    });
    const before = n;
    for (n = await count(); n === before; n = await count()) await page.waitForTimeout(5);
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
    const events = (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: Ev[] }).traceEvents;
    const mainKey = events.find((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain");
    if (!mainKey) continue;
    const onMain = events.filter((e) => e.pid === mainKey.pid && e.tid === mainKey.tid);
    const mark = events.find((e) => e.name === "TimeStamp")?.ts ?? 0;
    const tasks = onMain.filter((e) => e.ph === "X" && (e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask") && e.ts + (e.dur ?? 0) >= mark);
    const cpu = (e: Ev) => e.tdur ?? e.dur ?? 0;
    const sorted = [...tasks].sort((a, b) => cpu(b) - cpu(a));
    const top = sorted[0];
    if (!top) continue;
    all.push(cpu(top) / 1000);
    const end = top.ts + (top.dur ?? 0);
    const inside = onMain.filter((e) => e.ph === "X" && e !== top && e.ts >= top.ts && e.ts <= end && !e.name.includes("RunTask"));
    // Only the outermost events (not nested in another one inside the task), by name (and event type).
    const outer = inside.filter((e) => !inside.some((o) => o !== e && o.ts <= e.ts && o.ts + (o.dur ?? 0) >= e.ts + (e.dur ?? 0) && (o.dur ?? 0) > (e.dur ?? 0)));
    const label = (e: Ev) => (e.args?.data?.type ? `${e.name}:${e.args.data.type}` : e.name);
    const parts = outer.map((e) => `${label(e)} ${((e.dur ?? 0) / 1000).toFixed(1)}`).join(", ");
    const second = sorted[1] ? (cpu(sorted[1]) / 1000).toFixed(1) : "-";
    const others = tasks.filter((e) => e !== top && cpu(e) > 2000).map((e) => `${((e.ts - mark) / 1000).toFixed(0)}ms:${(cpu(e) / 1000).toFixed(1)}`).join(" ");
    console.log(`${String(n).padStart(6)}: at ${((top.ts - mark) / 1000).toFixed(0)}ms ${(cpu(top) / 1000).toFixed(1)} ms cpu [others ${others}] (${((top.dur ?? 0) / 1000).toFixed(1)} wall; next ${second}) ${parts}`);
    if (cpu(top) / 1000 < over) continue;
    for (const e of inside) evTotal.set(label(e), (evTotal.get(label(e)) ?? 0) + (e.dur ?? 0) / 1000);
    // The sampled profile: nodes and samples come in chunks; a sample's time is the profile's start plus its deltas.
    const nodes = new Map<number, { name: string; parent?: number }>();
    let t = 0;
    for (const e of events) {
      if (e.name === "Profile" && e.args?.data?.startTime !== undefined) t = e.args.data.startTime;
      if (e.name !== "ProfileChunk") continue;
      for (const nd of e.args?.data?.cpuProfile?.nodes ?? []) {
        const cf = nd.callFrame;
        nodes.set(nd.id, { name: `${cf.functionName || "(anon)"} ${(cf.url ?? "").split("/").pop()}:${cf.lineNumber}`, ...(nd.parent === undefined ? {} : { parent: nd.parent }) });
      }
      const samples = e.args?.data?.cpuProfile?.samples ?? [];
      const deltas = e.args?.data?.timeDeltas ?? [];
      samples.forEach((id, i) => {
        const d = deltas[i] ?? 0;
        t += d;
        if (t >= top.ts && t <= end) {
          const name = nodes.get(id)?.name ?? String(id);
          const within = outer.find((o) => o.ts <= t && t <= o.ts + (o.dur ?? 0));
          const where = within ? label(within) : "-";
          fnSelf.set(`${where} | ${name}`, (fnSelf.get(`${where} | ${name}`) ?? 0) + d / 1000);
          const seen = new Set<string>();
          for (let at: number | undefined = id; at !== undefined; at = nodes.get(at)?.parent) {
            const nm = `${where} | ${nodes.get(at)?.name ?? String(at)}`;
            if (seen.has(nm)) continue;
            seen.add(nm);
            fnTotal.set(nm, (fnTotal.get(nm) ?? 0) + d / 1000);
          }
        }
      });
    }
  }
  const s = [...all].sort((a, b) => a - b);
  console.log(`pages ${s.length}; p50 ${s[Math.floor(s.length / 2)]?.toFixed(1)} p95 ${s[Math.floor(s.length * 0.95)]?.toFixed(1)} max ${s[s.length - 1]?.toFixed(1)}; over 16: ${s.filter((x) => x > 16).length}`);
  console.log(`\nevents inside tasks over ${over} ms (summed, nested counted in each):`);
  for (const [k, ms] of [...evTotal.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(ms.toFixed(1).padStart(8), k);
  console.log(`\nJS self time in those tasks:`);
  for (const [k, ms] of [...fnSelf.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(ms.toFixed(1).padStart(8), k);
  console.log(`\nJS total (inclusive) time in those tasks:`);
  for (const [k, ms] of [...fnTotal.entries()].sort((a, b) => b[1] - a[1]).slice(0, 70)) console.log(ms.toFixed(1).padStart(8), k);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

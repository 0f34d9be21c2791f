import SQLite from "better-sqlite3";
import { type Browser, type CDPSession, chromium, type Page } from "playwright-core";
import type { ChildServer } from "../proc.ts";
import type { Progress } from "../progress.ts";
import { rpc } from "../setup.ts";
import { exactQuantile } from "../stats.ts";

export interface WebParams {
  /** Messages in the long room, all loaded into the page before measuring. */
  messages: number;
  /** Messages received live while measured. */
  incoming: number;
  /** Room switches measured (to the long room from a short one). */
  switches: number;
}

export interface WebResult {
  messages: number;
  /** Send (HTTP, from the bench) to the message drawn in the page, ms. */
  appearMs: { p50: number; p95: number; max: number };
  /** Script run by the page for one incoming message (CDP ScriptDuration), ms. */
  scriptMs: { p50: number; p95: number; max: number };
  /**
   * The longest main-thread task while each older page was fetched and
   * applied (trace RunTask, thread CPU time), ms: from a wheel-sized scroll
   * (100 px) into the top's trigger, the list already drawn where it starts.
   */
  olderPageLongestTaskMs: { p50: number; p95: number; max: number };
  /** The same tasks' wall time (includes waiting for a core on a loaded machine), ms. */
  olderPageLongestTaskWallMs: { p50: number; p95: number; max: number };
  /**
   * The longest task of the jump before each page: `scrollTop` set from the
   * end of the new page to just below the trigger, which brings a whole
   * viewport of rows in at once (a scrollbar drag, Home). Measured apart from
   * the page; until session 4 the page's figure included it.
   */
  scrollJumpLongestTaskMs: { p50: number; p95: number; max: number };
  /**
   * The click on the long room's link, as the page receives it, to its newest
   * message drawn, ms: the app's time for a switch.
   */
  switchMs: { p50: number; p95: number; max: number };
  /**
   * The same from before Playwright's `click()` (the earlier definition): it
   * also counts Playwright's checks before it clicks (the link stable over two
   * animation frames, scrolled into view, the hit target) and a CDP round
   * trip, which on this machine are 40–60 ms of no work by the app.
   */
  switchFromCommandMs: { p50: number; p95: number; max: number };
  domElements: number;
  /** Used JS heap after a GC, MB. */
  heapMb: number;
  /** How long loading every page took (not a target: paced by the round trips). */
  loadAllMs: number;
}

const q = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { p50: r(exactQuantile(s, 0.5)), p95: r(exactQuantile(s, 0.95)), max: r(s[s.length - 1] ?? Number.NaN) };
};

type Auth = { user: { id: number; username: string; email: string; createdAt: number }; accessToken: string; refreshToken: string; accessTokenExpiresAt: number };

/** The users and rooms, made through the API before the long room is seeded. */
export async function prepareWeb(server: ChildServer): Promise<{ reader: Auth; sender: Auth; longRoom: number; shortRoom: number }> {
  const reg = (name: string) => rpc<Auth>(server.httpUrl, "auth.register", { username: name, email: `${name}@bench.invalid`, password: "bench-password" });
  const reader = await reg("webreader");
  const sender = await reg("websender");
  const longRoom = (await rpc<{ id: number }>(server.httpUrl, "rooms.create", { name: "long-history" }, reader.accessToken)).id;
  const shortRoom = (await rpc<{ id: number }>(server.httpUrl, "rooms.create", { name: "short" }, reader.accessToken)).id;
  await rpc(server.httpUrl, "rooms.join", { roomId: longRoom }, sender.accessToken);
  await rpc(server.httpUrl, "messages.send", { roomId: shortRoom, content: "a short room", clientId: "short-1" }, reader.accessToken);
  return { reader, sender, longRoom, shortRoom };
}

/** `messages` rows straight into the (stopped) server's file: history is read from them. */
export function seedRoom(file: string, roomId: number, senderId: number, messages: number): void {
  const db = new SQLite(file);
  try {
    const ins = db.prepare("insert into messages (room_id, sender_id, kind, content, client_id, created_at, edited_at) values (?, ?, 'text', ?, ?, ?, null)");
    const start = Date.now() - messages * 1000;
    db.transaction(() => {
      for (let i = 0; i < messages; i++) {
        // Varied lengths, as people write: some rows wrap, most do not.
        const words = "the quick brown fox jumps over the lazy dog ".repeat(1 + (i % 7));
        ins.run(roomId, senderId, `history ${i}: ${words}`, `seed-${i}`, start + i * 1000);
      }
    })();
  } finally {
    db.close();
  }
}

const now = () => performance.timeOrigin + performance.now();

async function scriptMs(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send("Performance.getMetrics")) as { metrics: { name: string; value: number }[] };
  return (metrics.find((m) => m.name === "ScriptDuration")?.value ?? 0) * 1000;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  /** Thread (CPU) time: on a loaded machine `dur` also counts the time the thread waited to be scheduled. */
  tdur?: number;
  args?: { name?: string };
}

/**
 * The page's longest main-thread task in a Chromium trace, by thread (CPU)
 * time — wall time on this shared 2-core machine mostly measures waiting for
 * a core — with its wall time and what took its time (events inside, by name).
 */
function longestTask(trace: Buffer): { ms: number; wallMs: number; inside: string } {
  const events = (JSON.parse(trace.toString()) as { traceEvents: (TraceEvent & { ts: number })[] }).traceEvents;
  const main = new Set(events.filter((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`));
  const onMain = events.filter((e) => e.ph === "X" && main.has(`${e.pid}:${e.tid}`));
  const tasks = onMain.filter((e) => e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask");
  const cpu = (e: TraceEvent) => e.tdur ?? e.dur ?? 0;
  const top = tasks.reduce<(typeof tasks)[number] | undefined>((a, b) => (cpu(b) > (a ? cpu(a) : -1) ? b : a), undefined);
  if (!top) return { ms: 0, wallMs: 0, inside: "" };
  const by = new Map<string, number>();
  for (const e of onMain) {
    if (e === top || e.ts < top.ts || e.ts > top.ts + (top.dur ?? 0) || e.name.includes("RunTask")) continue;
    by.set(e.name, (by.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
  }
  const inside = [...by.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([n, ms]) => `${n} ${ms.toFixed(1)}`)
    .join(", ");
  return { ms: cpu(top) / 1000, wallMs: (top.dur ?? 0) / 1000, inside };
}

/**
 * Waits in the page until `text` is drawn (a frame after it is in the DOM);
 * resolves to epoch ms. Page code is a string: tsx would wrap a function's
 * inner functions in a helper the page does not have.
 */
const DRAWN = `(t) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("never appeared: " + t)), 20000);
  const found = () => Array.from(document.querySelectorAll(".msg-text")).some((el) => el.textContent.includes(t));
  const done = () => requestAnimationFrame(() => { clearTimeout(timer); resolve(performance.timeOrigin + performance.now()); });
  if (found()) return done();
  const mo = new MutationObserver(() => { if (found()) { mo.disconnect(); done(); } });
  mo.observe(document.body, { subtree: true, childList: true, characterData: true });
})`;
const waitDrawn = (page: Page, text: string): Promise<number> => page.evaluate(`(${DRAWN})(${JSON.stringify(text)})`);

/** Two frames, the browser's next idle moment (what a scroll deferred, within 1 s), two frames. */
const SETTLED = `(() => {
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return frames().then(() => new Promise((r) => requestIdleCallback(r, { timeout: 1000 }))).then(frames);
})()`;
/** Just below the web list's trigger for older pages (NEAR_TOP_PX = 600 in MessageList.tsx), and one wheel notch. */
const JUMP_TO_PX = 650;
const WHEEL_STEP_PX = 100;

/**
 * The web app in real Chromium against a real server, with a long room
 * fully loaded: the targets (incoming message cost and latency,
 * older pages without long tasks, room switches, DOM size, heap).
 */
export async function runWeb(
  server: ChildServer,
  setup: { reader: Auth; sender: Auth; longRoom: number; shortRoom: number },
  params: WebParams,
  progress: Progress,
): Promise<WebResult> {
  const browser: Browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--disable-gpu", "--disable-quic", "--no-sandbox", "--enable-precise-memory-info"],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((s) => {
      if (location.protocol.startsWith("http") && !localStorage.getItem("bench.seeded")) {
        localStorage.setItem("parley.session", s);
        localStorage.setItem("bench.seeded", "1");
      }
    }, JSON.stringify(setup.reader));
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    await page.goto(`${server.httpUrl}/#/room/${setup.longRoom}`);
    const scroller = page.getByTestId("message-scroller");
    await page.locator(".msg-text", { hasText: `history ${params.messages - 1}:` }).first().waitFor({ timeout: 30_000 });

    // Every older page, one at a time, each traced: the longest task while it is fetched and applied.
    progress.note(`web: loading ${params.messages} messages page by page`);
    const t0 = now();
    const longest: number[] = [];
    const longestWall: number[] = [];
    // data-count where the list is virtualised; an older build has every message in the DOM.
    const loaded = (): Promise<number> =>
      page.evaluate(`(() => { const el = document.querySelector('[data-testid="message-scroller"]'); return Number(el.getAttribute("data-count") ?? el.querySelectorAll(".msg[data-message-id]").length); })()`);
    const jumps: number[] = [];
    const steps: number[] = [];
    const trace = () => browser.startTracing(page, { categories: ["toplevel", "devtools.timeline", "__metadata"] });
    for (let n = await loaded(); n < params.messages; ) {
      // The jump to just below the list's trigger for older pages (MessageList.tsx NEAR_TOP_PX, 600 px), its own figure;
      // settled (two frames, the idle work it schedules, two frames) before the page is timed.
      await trace();
      await scroller.evaluate((el, y) => {
        el.scrollTop = y;
      }, JUMP_TO_PX);
      await page.evaluate(SETTLED);
      jumps.push(longestTask(await browser.stopTracing()).ms);
      // Rows measured above the view as it settled can have moved it: back to just below the trigger, settled again.
      for (let tries = 0; tries < 5 && (await scroller.evaluate((el) => el.scrollTop)) - JUMP_TO_PX > WHEEL_STEP_PX / 2; tries++) {
        await scroller.evaluate((el, y) => {
          el.scrollTop = y;
        }, JUMP_TO_PX);
        await page.evaluate(SETTLED);
      }
      // Then a wheel-sized step into the trigger: the older page is fetched and applied.
      await trace();
      steps.push(
        await scroller.evaluate((el, to) => {
          const from = el.scrollTop;
          el.scrollTop = to;
          return from - to;
        }, JUMP_TO_PX - WHEEL_STEP_PX),
      );
      const before = n;
      const until = Date.now() + 30_000;
      for (n = await loaded(); n === before; n = await loaded()) {
        if (Date.now() > until) throw new Error(`stuck at ${n} messages`);
        await page.waitForTimeout(5);
      }
      // Let the frame after the page settle (measuring, the scroll anchor).
      await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
      const task = longestTask(await browser.stopTracing());
      longest.push(task.ms);
      longestWall.push(task.wallMs);
      if (task.ms > 16) progress.note(`web: at ${n} messages a task of ${task.ms.toFixed(1)} ms CPU (${task.wallMs.toFixed(1)} ms wall): ${task.inside}`);
    }
    const loadAllMs = now() - t0;
    progress.note(`web: loaded in ${Math.round(loadAllMs)} ms; older page longest task p95 ${q(longest).p95} ms; the jump before it p95 ${q(jumps).p95} ms; steps into the trigger up to ${Math.max(...steps)} px`);

    // Back at the newest: messages from someone else, one at a time.
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.waitForTimeout(300);
    const appear: number[] = [];
    const script: number[] = [];
    for (let i = 0; i < params.incoming; i++) {
      const text = `incoming ${i} ${Math.random().toString(36).slice(2, 8)}`;
      const s0 = await scriptMs(cdp);
      const sentAt = now();
      const [drawnAt] = await Promise.all([
        waitDrawn(page, text),
        rpc(server.httpUrl, "messages.send", { roomId: setup.longRoom, content: text, clientId: `in-${i}` }, setup.sender.accessToken),
      ]);
      appear.push(drawnAt - sentAt);
      await page.waitForTimeout(150);
      script.push((await scriptMs(cdp)) - s0);
    }
    progress.note(`web: incoming appear p95 ${q(appear).p95} ms, script p95 ${q(script).p95} ms`);

    const domElements: number = await page.evaluate(`document.getElementsByTagName("*").length`);
    await cdp.send("HeapProfiler.collectGarbage");
    const heap = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number };

    // Room switches: from the short room back to the long one, until its newest message is drawn.
    const switches: number[] = [];
    const switchesFromCommand: number[] = [];
    const lastText = `incoming ${params.incoming - 1}`;
    for (let i = 0; i < params.switches; i++) {
      await page.locator(`#sidebar a[href="#/room/${setup.shortRoom}"], #sidebar [data-room-id="${setup.shortRoom}"]`).first().click();
      await page.locator(".msg-text", { hasText: "a short room" }).first().waitFor();
      // When the page gets the click: a capture listener on the document runs before the app's own (delegated) one.
      await page.evaluate(
        `document.addEventListener("click", () => { window.__benchClickAt = performance.timeOrigin + performance.now(); }, { capture: true, once: true })`,
      );
      const t = now();
      const [drawnAt] = await Promise.all([
        waitDrawn(page, lastText),
        page.locator(`#sidebar a[href="#/room/${setup.longRoom}"], #sidebar [data-room-id="${setup.longRoom}"]`).first().click(),
      ]);
      const clickAt: number = await page.evaluate("window.__benchClickAt");
      switches.push(drawnAt - clickAt);
      switchesFromCommand.push(drawnAt - t);
    }
    progress.note(`web: switch p95 ${q(switches).p95} ms (${q(switchesFromCommand).p95} ms from the click command), ${domElements} DOM elements, heap ${Math.round(heap.usedSize / 1048576)} MB`);
    return {
      messages: params.messages,
      appearMs: q(appear),
      scriptMs: q(script),
      olderPageLongestTaskMs: q(longest),
      olderPageLongestTaskWallMs: q(longestWall),
      scrollJumpLongestTaskMs: q(jumps),
      switchMs: q(switches),
      switchFromCommandMs: q(switchesFromCommand),
      domElements,
      heapMb: Math.round((heap.usedSize / 1048576) * 10) / 10,
      loadAllMs: Math.round(loadAllMs),
    };
  } finally {
    await browser.close();
  }
}

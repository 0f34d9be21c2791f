/**
 * A CPU profile of the web app while older pages load and messages arrive,
 * summed by function (self time): where to look when the web scenario is
 * slow. `tsx src/tools/web-profile.ts [messages]` (needs a built apps/web).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { repoRoot, startParley } from "../proc.ts";
import { rpc } from "../setup.ts";
import { prepareWeb, seedRoom } from "../scenarios/web.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const messages = Number(process.argv[2] ?? 3000);
const dir = mkdtempSync(join(tmpdir(), "web-profile-"));
const file = join(dir, "p.db");
const env = { WEB_DIR: join(repoRoot, "apps", "web", "dist") };
let server = await startParley({ dbFile: file, env });
const setup = await prepareWeb(server);
await server.stop();
seedRoom(file, setup.longRoom, setup.reader.user.id, messages);
server = await startParley({ dbFile: file, env });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--disable-gpu", "--no-sandbox"] });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(`localStorage.getItem("parley.session") || localStorage.setItem("parley.session", ${JSON.stringify(JSON.stringify(setup.reader))})`);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await page.goto(`${server.httpUrl}/#/room/${setup.longRoom}`);
  await page.locator(".msg-text").first().waitFor();
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
  const count = (): Promise<number> => page.evaluate(`Number(document.querySelector('[data-testid="message-scroller"]').dataset.count)`);
  for (let n = await count(); n < messages; ) {
    await page.evaluate(`document.querySelector('[data-testid="message-scroller"]').scrollTop = 0`);
    const before = n;
    for (n = await count(); n === before; n = await count()) await page.waitForTimeout(5);
  }
  const mode = process.argv[3] ?? "both";
  if (mode !== "older") {
    await page.evaluate(`document.querySelector('[data-testid="message-scroller"]').scrollTop = 1e9`);
    for (let i = 0; i < 10; i++) {
      await rpc(server.httpUrl, "messages.send", { roomId: setup.longRoom, content: `incoming ${i}`, clientId: `p${i}` }, setup.sender.accessToken);
      await page.locator(".msg-text", { hasText: `incoming ${i}` }).waitFor();
    }
  }
  const { profile } = (await cdp.send("Profiler.stop")) as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    if (!n) return;
    const key = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  for (const [k, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(ms.toFixed(1).padStart(8), k);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

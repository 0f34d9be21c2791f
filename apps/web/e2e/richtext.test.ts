import type { Browser, Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import { hasChromium, type ParleyProcess, registerByApi, screenshotOnFailure, signedIn, uniqueName, useE2eServer } from "./harness.ts";

let server: ParleyProcess;
let browser: Browser;
const people = useE2eServer("richtext", {}, (s, b) => {
  server = s;
  browser = b;
});

/** Hostile messages: HTML, event handlers, script URLs in every markdown form, entity tricks, bidi, mentions in code. */
const CORPUS = [
  `<img src=x onerror="window.__xss='img'">`,
  `<script>window.__xss='script'</script>`,
  `<svg/onload=window.__xss='svg'>`,
  `[click](javascript:window.__xss='link')`,
  `[click](JaVaScRiPt:window.__xss='case')`,
  `[click](  javascript:window.__xss='space')`,
  `[click](&#106;avascript:window.__xss='entity')`,
  `[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9J2RhdGEnPC9zY3JpcHQ+)`,
  `[vb](vbscript:msgbox(1))`,
  `<javascript:window.__xss='autolink'>`,
  `![img](https://example.com/x.png" onerror="window.__xss='image')`,
  `**<b onmouseover="window.__xss='bold'">bold</b>**`,
  "`<img src=x onerror=window.__xss='code'>`",
  "```html\n<script>window.__xss='fence'</script>\n<img src=x onerror=\"window.__xss='fence2'\">\n```",
  "```js\nconst s = '</code><img src=x onerror=window.__xss=1>';\n```",
  `> <iframe src="javascript:window.__xss='quote'"></iframe>`,
  `- <a href="javascript:window.__xss='list'">x</a>`,
  `[x](https://example.com/"onmouseover="window.__xss='attr')`,
  `:"onerror="window.__xss='emoji':`,
  `@"><img src=x onerror=window.__xss='mention'>`,
  `#"><img src=x onerror=window.__xss='room'>`,
  "\u202Egpj.exe https://example.com/\u202Efdp.exe",
];

async function roomWith(page: Page, owner: { accessToken: string }, messages: string[]): Promise<number> {
  const room = await server.call<{ id: number }>("rooms.create", { name: uniqueName("rich") }, owner.accessToken);
  for (const [i, content] of messages.entries()) await server.call("messages.send", { roomId: room.id, content, clientId: `rt-${room.id}-${i}` }, owner.accessToken);
  await page.goto(`${server.url}/#/room/${room.id}`);
  await expect.poll(() => page.locator(".room-main .msg[data-message-id]").count()).toBeGreaterThanOrEqual(messages.length);
  return room.id;
}

describe.skipIf(!hasChromium)("rich text", () => {
  test("markdown renders as elements: bold, italic, strike, code, highlighted blocks with their indent, quotes, lists, links, chips, emoji", async () => {
    const owner = await registerByApi(server, uniqueName("writer"));
    const p = await signedIn(browser, server, owner);
    people.push(p);
    screenshotOnFailure("richtext", () => [p.page]);
    const { page } = p;
    const otherName = uniqueName("known");
    const other = await server.call<{ id: number }>("rooms.create", { name: otherName }, owner.accessToken);
    await roomWith(page, owner, [
      "**bold** _italic_ ~~gone~~ `npm i`",
      "```ts\nfunction f() {\n    return 1; // four spaces\n}\n```",
      "> quoted\n\n- one\n- two\n\n1. first",
      `see https://example.com/a and [docs](https://example.com/docs) :thumbsup: :not_a_code: @${owner.user.username} #${otherName} #unknown-room`,
    ]);
    const text = page.locator(".room-main .msg-text");
    await expect.poll(() => text.nth(0).locator("strong").textContent()).toBe("bold");
    expect(await text.nth(0).locator("em").textContent()).toBe("italic");
    expect(await text.nth(0).locator("s").textContent()).toBe("gone");
    expect(await text.nth(0).locator("code").evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/mono/i);
    const code = text.nth(1).locator("pre code");
    // The indent is kept exactly; the highlighter's tokens arrive as spans.
    expect(await code.textContent()).toBe("function f() {\n    return 1; // four spaces\n}");
    await code.locator("span.hljs-keyword").first().waitFor();
    expect(await text.nth(2).locator("blockquote").textContent()).toContain("quoted");
    expect(await text.nth(2).locator("ul li").count()).toBe(2);
    expect(await text.nth(2).locator("ol li").count()).toBe(1);
    const links = text.nth(3).locator("a[target=_blank]");
    expect(await links.count()).toBe(2);
    for (const rel of await links.evaluateAll((as) => as.map((a) => a.getAttribute("rel")))) expect(rel).toBe("noopener noreferrer nofollow");
    await expect.poll(() => text.nth(3).locator(".md-emoji").textContent()).toBe("👍");
    expect(await text.nth(3).textContent()).toContain(":not_a_code:");
    expect(await text.nth(3).locator(".chip-mention.chip-me").textContent()).toBe(`@${owner.user.username}`);
    const roomChip = text.nth(3).locator("a.chip-room");
    expect(await roomChip.getAttribute("href")).toBe(`#/room/${other.id}`);
    expect(await text.nth(3).locator("span.chip-room").textContent()).toBe("#unknown-room");
  });

  test("a corpus of hostile messages runs no script and leaves no handler or script URL in the page", async () => {
    const owner = await registerByApi(server, uniqueName("mallory"));
    // Tall enough that every message is rendered at once (the list is virtualised).
    const p = await signedIn(browser, server, owner, { viewport: { width: 1280, height: 4000 } });
    people.push(p);
    screenshotOnFailure("xss-corpus", () => [p.page]);
    const { page } = p;
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await roomWith(page, owner, CORPUS);
    // The parser and highlighter chunks have arrived (a fence is highlighted): what is checked is the rich rendering.
    await page.locator(".room-main pre[data-lang=js] code span").first().waitFor();
    // Hover and click everything in the messages, as a reader would.
    const scroller = page.getByTestId("message-scroller");
    for (const el of await page.locator(".room-main .msg-text *").all()) await el.hover({ force: true, timeout: 2000 }).catch(() => undefined);
    await scroller.evaluate((el) => el.scrollTo(0, 0));
    const found = await page.evaluate(() => {
      const all = [...document.querySelectorAll(".room-main .msg-text, .room-main .msg-text *")];
      return {
        xss: (window as unknown as { __xss?: unknown }).__xss ?? null,
        handlers: all.flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith("on")).map((a) => `${el.tagName} ${a.name}`)),
        scriptUrls: all.flatMap((el) => ["href", "src", "action", "formaction", "xlink:href"].map((n) => el.getAttribute(n) ?? "").filter((v) => /^\s*(javascript|data|vbscript):/i.test(v))),
        tags: [...new Set(all.map((el) => el.tagName.toLowerCase()))].filter((t) => !["div", "p", "span", "a", "strong", "em", "s", "code", "pre", "br", "blockquote", "ul", "ol", "li", "button"].includes(t)),
        hrefs: all.filter((el) => el.tagName === "A").map((a) => a.getAttribute("href") ?? ""),
      };
    });
    expect(found.xss).toBeNull();
    expect(dialogs).toEqual([]);
    expect(found.handlers).toEqual([]);
    expect(found.scriptUrls).toEqual([]);
    expect(found.tags).toEqual([]);
    for (const href of found.hrefs) expect(href).toMatch(/^(https?:\/\/|mailto:|#\/room\/\d+$)/);
    // The text itself is all there, as text.
    expect(await page.locator(".room-main .msg-text", { hasText: "<script>window.__xss='script'</script>" }).count()).toBe(1);
  });
});

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveSafely } from "./boundary.ts";
import { HttpRefusal } from "./request-target.ts";
import { rawGet, rawUpgrade } from "./test/raw-http.ts";

/**
 * The boundary itself, around handlers that fail in every way a handler can:
 * a throw, a rejection, a refusal, a failure after the head was written. Each
 * costs that one request; the server answers the next.
 */

const logged: { level: number; msg: string }[] = [];
const logger = pino(
  { level: "debug" },
  new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logged.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  }),
);
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer();
  serveSafely(server, logger, {
    request: async (_req, res, edge) => {
      const route = edge.target.segments[0];
      if (route === "throw") throw new Error("handler bug");
      if (route === "reject") {
        await Promise.resolve();
        throw new TypeError("async handler bug");
      }
      if (route === "refuse") throw new HttpRefusal(403, "not for you");
      if (route === "half") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("partial");
        throw new Error("failed mid-response");
      }
      res.writeHead(200).end(`ok ${edge.target.segments.join("/")}`);
    },
    upgrade: (_req, socket, _head, edge) => {
      if (edge.target.segments[0] === "throw") throw new Error("upgrade bug");
      socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("error boundary", () => {
  it("turns a thrown or rejected error into a logged 500 for that request only", async () => {
    for (const target of ["/throw", "/reject"]) {
      const r = await rawGet(port, target);
      expect(r.status, target).toBe(500);
      expect(r.body).toBe("internal error");
      expect((await rawGet(port, "/next")).body).toContain("ok next");
    }
    expect(logged.filter((l) => l.msg === "request failed" && l.level === 50)).toHaveLength(2);
  });

  it("answers a refusal with its status, and cuts a response that had already begun", async () => {
    const refused = await rawGet(port, "/refuse");
    expect(refused.status).toBe(403);
    expect(refused.body).toBe("not for you");
    const half = await rawGet(port, "/half");
    // The head went out as 200; the connection is cut before a complete body, so the client sees a failure.
    expect(half.status).toBe(200);
    expect(half.body).not.toMatch(/0\r\n\r\n$/);
    expect((await rawGet(port, "/after")).body).toContain("ok after");
  });

  it("guards the upgrade too: a throw is a 500 on that socket, and the next upgrade is handled", async () => {
    expect(await rawUpgrade(port, { target: "/throw" })).toBe(500);
    expect(await rawUpgrade(port, { target: "/other" })).toBe(404);
    expect(logged.some((l) => l.msg === "upgrade failed")).toBe(true);
  });
});

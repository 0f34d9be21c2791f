import http from "node:http";
import https from "node:https";
import { useAgent } from "request-filtering-agent";
import { signature } from "./outgoing.ts";

const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SignedReply {
  status: number;
  body: string;
}

/**
 * One POST of Parley's to an integration (outgoing webhooks, custom slash
 * commands): signed (`X-Parley-Timestamp`, `X-Parley-Signature`), through
 * request-filtering-agent (private, loopback and link-local addresses refused
 * at connect time unless in `allowHosts`), with a deadline for the whole
 * answer and the answer's body capped.
 */
export function signedPost(o: {
  url: string;
  secret: string;
  body: string;
  nowMs: number;
  timeoutMs: number;
  allowHosts: readonly string[];
  headers?: Record<string, string>;
}): Promise<SignedReply> {
  const timestamp = String(Math.floor(o.nowMs / 1000));
  const target = new URL(o.url);
  const lib = target.protocol === "https:" ? https : http;
  const agent = useAgent(o.url, { allowIPAddressList: [...o.allowHosts] });
  return new Promise<SignedReply>((resolve, reject) => {
    const req = lib.request(target, {
      method: "POST",
      agent,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(o.body),
        "user-agent": "Parley-Integrations",
        "x-parley-timestamp": timestamp,
        "x-parley-signature": signature(o.secret, timestamp, o.body),
        ...o.headers,
      },
    });
    // The deadline covers connecting, waiting and reading the answer.
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
      });
      res.on("end", () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", (err) => {
        clearTimeout(deadline);
        reject(err);
      });
    });
    req.on("error", (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    req.end(o.body);
  });
}

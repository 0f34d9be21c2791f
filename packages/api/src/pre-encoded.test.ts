import { jsonEncoder } from "@trpc/server/adapters/ws";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeReply, PreEncoded } from "./pre-encoded.ts";

// The envelopes tRPC's WebSocket adapter sends (adapters/ws.ts `respond`): `jsonrpc` is often undefined.
const envelope = fc.record({
  id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
  jsonrpc: fc.constantFrom("2.0" as const, undefined),
});

describe("encodeReply", () => {
  it("splices a pre-encoded result into the same bytes tRPC's jsonEncoder makes of its value", () => {
    fc.assert(
      fc.property(envelope, fc.jsonValue(), (env, value) => {
        const expected = jsonEncoder.encode({ ...env, result: { type: "data", data: value } });
        expect(encodeReply({ ...env, result: { type: "data", data: PreEncoded.text(JSON.stringify(value)) } })).toBe(expected);
        expect(encodeReply({ ...env, result: { type: "data", data: PreEncoded.value(value) } })).toBe(expected);
      }),
      { numRuns: 500, seed: 1203 },
    );
  });

  it("leaves every other message to JSON.stringify, and JSON.stringify (tRPC's HTTP side) reads the value", () => {
    const others = [
      { id: 1, result: { type: "started" } },
      { id: 2, result: { type: "data", data: { id: "7", data: [1] } } },
      { id: 3, error: { code: -32600, message: "bad", data: { code: "BAD_REQUEST" } } },
      { id: null, method: "reconnect" },
      "pong",
    ];
    for (const m of others) expect(encodeReply(m)).toBe(jsonEncoder.encode(m));
    const value = [{ id: 1, name: 'a "b"\n', members: [{ id: 2 }] }];
    expect(JSON.stringify({ result: { data: PreEncoded.text(JSON.stringify(value)) } })).toBe(JSON.stringify({ result: { data: value } }));
    expect(JSON.stringify(PreEncoded.value(value))).toBe(JSON.stringify(value));
  });
});

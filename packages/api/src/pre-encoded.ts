/**
 * A procedure's result whose JSON text is already built (by SQLite:
 * db queries/rooms-json.ts), so the WebSocket reply carries that text
 * instead of parsing it into objects and stringifying them again.
 *
 * The bypass of tRPC's encoder lives here and nowhere else. Everything that
 * does not know about it still gets the value: `JSON.stringify` (tRPC's HTTP
 * adapter, its jsonl stream, the default WebSocket encoder) calls `toJSON`,
 * and tRPC's output types read `toJSON`'s return type, so clients see `T`.
 * pre-encoded.test.ts holds `encodeReply` byte for byte to tRPC's
 * `jsonEncoder` over the value.
 */
export class PreEncoded<T> {
  private constructor(
    private readonly text: string | undefined,
    private readonly value: T | undefined,
  ) {}

  /** JSON text the caller vouches for: it must parse to a `T`. */
  static text<T>(json: string): PreEncoded<T> {
    return new PreEncoded<T>(json, undefined);
  }

  /** A value to be stringified as usual (the path that has no text built for it). */
  static value<T>(value: T): PreEncoded<T> {
    return new PreEncoded<T>(undefined, value);
  }

  toJSON(): T {
    return this.text === undefined ? (this.value as T) : (JSON.parse(this.text) as T);
  }

  /** The JSON text, built once. */
  json(): string {
    return this.text ?? JSON.stringify(this.value);
  }
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null;

/**
 * Encodes one outgoing WebSocket message as tRPC's `jsonEncoder` would. A
 * reply whose `result.data` is `PreEncoded` gets that text spliced in, as its
 * last key (where tRPC puts it: `{ id, jsonrpc, result: { type, data } }`).
 */
export function encodeReply(msg: unknown): string {
  if (!isRecord(msg) || !isRecord(msg.result) || !(msg.result.data instanceof PreEncoded)) return JSON.stringify(msg);
  const { result, ...envelope } = msg;
  const { data, ...rest } = result;
  const open = (x: Record<string, unknown>) => {
    const s = JSON.stringify(x);
    // `{}` opens as `{`; anything else as its text without the closing brace and a comma after it.
    return s === "{}" ? "{" : `${s.slice(0, -1)},`;
  };
  return `${open(envelope)}"result":${open(rest)}"data":${(data as PreEncoded<unknown>).json()}}}`;
}

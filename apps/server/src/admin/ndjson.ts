import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";

/** One JSON value per line, written with backpressure (an export can be larger than memory). */
export class NdjsonWriter {
  private readonly out: WriteStream;
  count = 0;

  constructor(file: string) {
    this.out = createWriteStream(file, { encoding: "utf8" });
  }

  async write(value: unknown): Promise<void> {
    this.count++;
    if (!this.out.write(`${JSON.stringify(value)}\n`)) await once(this.out, "drain");
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.out, "finish");
  }
}

/** The values of an NDJSON file, in order; a line that is not JSON is an error naming its line. */
export async function* readNdjson(file: string): AsyncGenerator<unknown> {
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === "") continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch {
      throw new Error(`${file}:${n}: not JSON`);
    }
  }
}

import yauzl from "yauzl";

/** Most a ZIP may unpack to (a Slack export of a large team is a few hundred MB of JSON): a bomb stops here. */
const MAX_TOTAL_BYTES = 2 * 1024 ** 3;

/** The files of a ZIP whose names `keep` accepts, by name (directories skipped). */
export function readZip(path: string, keep: (name: string) => boolean): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true }, (err, zip) => {
      if (err) return reject(err);
      const files = new Map<string, Buffer>();
      let total = 0;
      const fail = (e: Error) => {
        zip.close();
        reject(e);
      };
      zip.on("error", fail);
      zip.on("end", () => resolve(files));
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith("/") || !keep(entry.fileName)) return zip.readEntry();
        total += entry.uncompressedSize;
        if (total > MAX_TOTAL_BYTES) return fail(new Error("the ZIP unpacks to more than 2 GB"));
        zip.openReadStream(entry, (e, stream) => {
          if (e) return fail(e);
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", fail);
          stream.on("end", () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

import { type ChildServer, procSample } from "../proc.ts";
import type { Progress } from "../progress.ts";
import { rpc } from "../setup.ts";

export interface FilesParams {
  /** Bytes of the one upload. */
  bytes: number;
}

export interface FilesResult {
  mb: number;
  uploadMBps: number;
  downloadMBps: number;
  rssBeforeMb: number;
  rssPeakUploadMb: number;
  /** Peak RSS during the upload minus RSS before it: the streaming target is ≤ 32 MB for 100 MB. */
  rssRiseMb: number;
  rssPeakDownloadMb: number;
  downloadedBytes: number;
}

const MB = 1024 * 1024;
const round = (x: number) => Math.round(x * 10) / 10;

/** Samples the server's RSS every 20 ms while `work` runs; returns its result and the peak. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = procSample(pid).rssBytes;
  const timer = setInterval(() => {
    peak = Math.max(peak, procSample(pid).rssBytes);
  }, 20);
  try {
    return { value: await work(), peak };
  } finally {
    clearInterval(timer);
  }
}

/** `bytes` of varied bytes (not a constant run: nothing along the way should find them compressible), 1 MiB at a time. */
function body(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(MB);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= bytes) {
        c.close();
        return;
      }
      const n = Math.min(chunk.length, bytes - sent);
      c.enqueue(n === chunk.length ? chunk : chunk.subarray(0, n));
      sent += n;
    },
  });
}

/**
 * One big upload and its download over real HTTP to a production build:
 * the body is streamed to disk, so the server's memory must not grow with
 * the file (the target: ≤ 32 MB more RSS for a 100 MB upload).
 */
export async function runFiles(server: ChildServer, params: FilesParams, progress: Progress): Promise<FilesResult> {
  const auth = await rpc<{ accessToken: string }>(server.httpUrl, "auth.register", {
    username: "filebench",
    email: "filebench@example.test",
    password: "bench-password",
  });
  const headers = { authorization: `Bearer ${auth.accessToken}` };
  const rssBefore = procSample(server.pid).rssBytes;
  progress.note(`uploading ${round(params.bytes / MB)} MB`);
  const t0 = performance.now();
  const up = await peakRss(server.pid, async () => {
    const init = { method: "POST", headers: { ...headers, "x-filename": "big.bin" }, body: body(params.bytes), duplex: "half" };
    const res = await fetch(`${server.httpUrl}/files`, init as RequestInit);
    const reply = (await res.json()) as { id?: string; error?: { message: string } };
    if (res.status !== 201 || !reply.id) throw new Error(`upload failed (${res.status}): ${reply.error?.message}`);
    return reply.id;
  });
  const upMs = performance.now() - t0;
  const t1 = performance.now();
  const down = await peakRss(server.pid, async () => {
    const res = await fetch(`${server.httpUrl}/files/${up.value}/big.bin`, { headers });
    if (!res.body) throw new Error(`download failed (${res.status})`);
    const reader = res.body.getReader();
    let n = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.length;
    return n;
  });
  const downMs = performance.now() - t1;
  return {
    mb: round(params.bytes / MB),
    uploadMBps: round(params.bytes / MB / (upMs / 1000)),
    downloadMBps: round(down.value / MB / (downMs / 1000)),
    rssBeforeMb: round(rssBefore / MB),
    rssPeakUploadMb: round(up.peak / MB),
    rssRiseMb: round((up.peak - rssBefore) / MB),
    rssPeakDownloadMb: round(down.peak / MB),
    downloadedBytes: down.value,
  };
}

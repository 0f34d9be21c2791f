/**
 * Uploads and downloads (issue 16) over plain HTTP: `POST /files` with the
 * raw body and its name in `X-Filename`, `GET /files/<id>/<name>`. Works in
 * browsers and in Node (fetch), from a Blob, bytes, or a stream.
 */

/** What `POST /files` answers. */
export interface UploadedFile {
  id: string;
  name: string;
  size: number;
  contentType: string;
  width?: number;
  height?: number;
}

/** Anything that can be uploaded: a Blob/File, bytes (a Node Buffer is one), a web stream or a Node stream. */
export type UploadBody = Blob | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface UploadOptions {
  /** The name it is shown and downloaded under (default: the File's own name, else "file"). */
  name?: string;
  signal?: AbortSignal;
  /** Bytes sent so far, of `total` (in browsers, where XMLHttpRequest reports upload progress; Blob and byte bodies). */
  onProgress?: (sent: number, total: number) => void;
}

/** Refused by the server: `status` 413 with code `too_large`, `quota_exceeded` or `too_many_pixels`; 401 when signed out. */
export class UploadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "UploadError";
  }
}

const isBlob = (b: UploadBody): b is Blob => typeof Blob !== "undefined" && b instanceof Blob;
const isWebStream = (b: UploadBody): b is ReadableStream<Uint8Array> => typeof ReadableStream !== "undefined" && b instanceof ReadableStream;

/** A body fetch can send: streams become a web stream (fetch then needs `duplex: "half"`). */
function fetchBody(body: UploadBody): { body: Blob | Uint8Array | ReadableStream<Uint8Array>; streamed: boolean } {
  if (isBlob(body) || body instanceof Uint8Array) return { body, streamed: false };
  if (isWebStream(body)) return { body, streamed: true };
  const it = body[Symbol.asyncIterator]();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
  return { body: stream, streamed: true };
}

/** Whether the same body can be sent again (after a token refresh): a stream is read once. */
export const replayable = (body: UploadBody) => isBlob(body) || body instanceof Uint8Array;

export async function uploadOnce(baseUrl: string, token: string, data: UploadBody, opts: UploadOptions = {}): Promise<UploadedFile> {
  const name = opts.name ?? (isBlob(data) && "name" in data && typeof data.name === "string" ? data.name : "file");
  if (opts.onProgress && typeof XMLHttpRequest !== "undefined" && (isBlob(data) || data instanceof Uint8Array)) {
    return withProgress(`${baseUrl}/files`, token, name, data, opts.onProgress, opts.signal);
  }
  const { body, streamed } = fetchBody(data);
  const init: RequestInit & { duplex?: "half" } = {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "x-filename": encodeURIComponent(name) },
    body: body as BodyInit,
    signal: opts.signal,
  };
  if (streamed) init.duplex = "half";
  const res = await fetch(`${baseUrl}/files`, init);
  const reply = (await res.json().catch(() => null)) as (UploadedFile & { error?: { code: string; message: string } }) | null;
  if (res.status !== 201 || !reply) {
    throw new UploadError(res.status, reply?.error?.code ?? "upload_failed", reply?.error?.message ?? `upload failed with HTTP ${res.status}`);
  }
  return reply;
}

/** A file's bytes, for someone who may read it (a 404 otherwise, whether it exists or not). */
export async function downloadOnce(baseUrl: string, token: string, path: string, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, signal });
  if (!res.ok) throw new UploadError(res.status, res.status === 404 ? "not_found" : "download_failed", `download failed with HTTP ${res.status}`);
  return res;
}

/** fetch cannot report upload progress; XMLHttpRequest can. Same request, same answers. */
function withProgress(url: string, token: string, name: string, body: Blob | Uint8Array, onProgress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<UploadedFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.setRequestHeader("x-filename", encodeURIComponent(name));
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
    const abort = () => xhr.abort();
    signal?.addEventListener("abort", abort, { once: true });
    const done = () => signal?.removeEventListener("abort", abort);
    xhr.onload = () => {
      done();
      const reply = xhr.response as (UploadedFile & { error?: { code: string; message: string } }) | null;
      if (xhr.status === 201 && reply) resolve(reply);
      else reject(new UploadError(xhr.status, reply?.error?.code ?? "upload_failed", reply?.error?.message ?? `upload failed with HTTP ${xhr.status}`));
    };
    xhr.onerror = () => {
      done();
      reject(new UploadError(0, "network", "the upload did not reach the server"));
    };
    xhr.onabort = () => {
      done();
      reject(new DOMException("The upload was cancelled", "AbortError"));
    };
    xhr.send(body as XMLHttpRequestBodyInit);
  });
}

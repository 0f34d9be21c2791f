/** 1536 → "1.5 KB" */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** "application/pdf" → "PDF", "image/png" → "PNG" */
export function typeLabel(contentType: string): string {
  const sub = contentType.split("/")[1] ?? contentType;
  if (sub === "octet-stream") return "File";
  if (sub === "plain") return "Text";
  return sub.replace(/^x-/, "").split(/[.+;]/)[0]?.toUpperCase() ?? "File";
}

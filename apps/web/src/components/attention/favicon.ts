let original: string | null = null;
/** The total last drawn: a canvas and a PNG encoding per unread update is milliseconds a message otherwise. */
let drawn = 0;

/** The tab's icon with the unread total drawn on it (the plain icon at 0). */
export function drawFaviconBadge(total: number): void {
  const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) return;
  original ??= link.href;
  const shown = Math.max(0, Math.min(total, 99));
  if (shown === drawn) return;
  drawn = shown;
  if (total <= 0) {
    link.href = original;
    return;
  }
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const g = canvas.getContext("2d");
  if (!g) return;
  const img = new Image();
  img.onload = () => {
    g.drawImage(img, 0, 0, 64, 64);
    g.fillStyle = "#d93025";
    g.beginPath();
    g.arc(44, 20, 20, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = "#fff";
    g.font = "bold 26px sans-serif";
    g.textAlign = "center";
    g.textBaseline = "middle";
    g.fillText(total > 99 ? "99" : String(total), 44, 21);
    link.href = canvas.toDataURL("image/png");
    link.dataset.badge = String(total);
  };
  img.src = original;
}

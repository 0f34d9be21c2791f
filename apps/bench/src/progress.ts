/** Progress lines on stderr, so stdout keeps only the result table. */
export class Progress {
  private readonly t0 = performance.now();

  constructor(private readonly quiet = false) {}

  note(msg: string): void {
    if (this.quiet) return;
    const s = ((performance.now() - this.t0) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${s}s] ${msg}\n`);
  }

  /** A countdown for long steps (updates in place on a terminal). */
  ticker(label: string, ms: number): { stop(): void } {
    if (this.quiet || !process.stderr.isTTY) return { stop() {} };
    const start = performance.now();
    const t = setInterval(() => {
      const left = Math.max(0, (ms - (performance.now() - start)) / 1000);
      process.stderr.write(`\r  ${label}: ${left.toFixed(0)} s left   `);
    }, 500);
    return {
      stop() {
        clearInterval(t);
        process.stderr.write("\r\x1b[K");
      },
    };
  }
}

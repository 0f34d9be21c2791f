import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { HealthProbe } from "./health.ts";
import { waitFor } from "./test/helpers.ts";

/** A real /healthz on port 0 that can be told to answer 503, counting the probes it gets. */
async function healthz() {
  let up = true;
  let probes = 0;
  const server: Server = createServer((req, res) => {
    probes++;
    res.writeHead(up && req.url === "/healthz" ? 200 : 503).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    set: (v: boolean) => (up = v),
    probes: () => probes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const open: { close(): Promise<void> }[] = [];
const probes: HealthProbe[] = [];
afterEach(async () => {
  for (const p of probes.splice(0)) p.dispose();
  for (const s of open.splice(0)) await s.close();
});

describe("the health probe", () => {
  test("reconnects once per outage while the server answers: a refused reconnect is not retried every interval", async () => {
    const s = await healthz();
    open.push(s);
    let backs = 0;
    const probe = new HealthProbe({ url: s.url, intervalMs: 20, onBack: () => ++backs > 0 });
    probes.push(probe);
    probe.start();
    await waitFor(() => backs === 1, 2000, "the first reconnect");
    // That reconnect failed (the socket closed again): probing starts again, sees the server up, and leaves it to the backoff.
    probe.start();
    await waitFor(() => !probe.running, 2000, "the probe to stand down");
    expect(backs).toBe(1);

    // Now the server goes down and comes back: a new outage, a new reconnect.
    s.set(false);
    probe.start();
    const before = s.probes();
    await waitFor(() => s.probes() >= before + 2, 2000, "probes while down");
    expect(backs).toBe(1);
    s.set(true);
    await waitFor(() => backs === 2, 2000, "the reconnect after the outage");
  });

  test("keeps probing while the client says an attempt is under way, and a 1012 starts a new outage", async () => {
    const s = await healthz();
    open.push(s);
    let allow = false;
    let backs = 0;
    const probe = new HealthProbe({
      url: s.url,
      intervalMs: 20,
      onBack: () => {
        if (!allow) return false;
        backs++;
        return true;
      },
    });
    probes.push(probe);
    probe.start();
    const before = s.probes();
    await waitFor(() => s.probes() >= before + 3, 2000, "several probes");
    expect(backs).toBe(0);
    allow = true;
    await waitFor(() => backs === 1, 2000, "the reconnect once allowed");
    probe.start(true);
    await waitFor(() => backs === 2, 2000, "a reconnect after the restart close");
  });

  test("does not fetch while the browser says it is offline, and counts that as down", async () => {
    const s = await healthz();
    open.push(s);
    let online = false;
    let backs = 0;
    const probe = new HealthProbe({ url: s.url, intervalMs: 20, onBack: () => ++backs > 0, mayProbe: () => online });
    probes.push(probe);
    probe.start();
    // A positive sync point: a second probe that does fetch shows the offline rounds were skipped.
    const control = new HealthProbe({ url: s.url, intervalMs: 20, onBack: () => true });
    probes.push(control);
    control.start();
    await waitFor(() => s.probes() >= 1 && !control.running, 2000, "the control probe");
    expect(s.probes()).toBe(1);
    online = true;
    await waitFor(() => backs === 1, 2000, "a reconnect once online");
  });
});

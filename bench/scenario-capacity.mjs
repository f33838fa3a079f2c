// Scenario (f): capacity. Wire-level clients (20 docs × 10) step the offered edit rate up; each step
// runs for a fixed time, then drains. Capacity = the highest deliveries/s of a step that kept
// p99 < 50 ms with nothing missing and at least 90 % of the offered deliveries.
import { performance } from 'node:perf_hooks';
import { latencySummary } from './stats.mjs';
import { WireClient } from './wire-client.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function runCapacity(server, { docs, clientsPerDoc, rates, stepMs, warmupMs = 1000, prefix, p99LimitMs = 50 }) {
  let latencies = [];
  let received = 0;
  let stepStart = performance.now();
  let worst = []; // worst latency per 250 ms of the step: shows whether a p99 miss is one stall or a trend
  const clients = [];
  for (let d = 0; d < docs; d++)
    for (let c = 0; c < clientsPerDoc; c++)
      clients.push(new WireClient(server, `${prefix}-${d}`, clients.length, (ms) => {
        latencies.push(ms);
        received++;
        const b = Math.floor((performance.now() - stepStart) / 250);
        if (!(worst[b] >= ms)) worst[b] = ms;
      }));
  await Promise.all(clients.map((c) => c.connect(30000)));
  // warm-up at the first rate, not measured (connect transients, JIT)
  const warm = performance.now();
  while (performance.now() - warm < warmupMs) {
    for (const c of clients) if (Math.random() < rates[0] * 0.05) c.edit();
    await sleep(50);
  }
  await sleep(500);
  const steps = [];
  let capacity = 0;
  for (const rate of rates) {
    latencies = [];
    received = 0;
    worst = [];
    stepStart = performance.now();
    const sentAt0 = clients.map((c) => c.seq);
    const cpu0 = server.cpu();
    const gen0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((resolve) => {
      const tick = setInterval(() => {
        const elapsed = Math.min(performance.now() - t0, stepMs);
        for (let i = 0; i < clients.length; i++) {
          // each client has its own phase, so edits are spread evenly instead of all clients
          // sending in the same tick (a synchronized burst would measure queueing, not the server)
          const due = Math.floor((rate * elapsed) / 1000 + i / clients.length);
          const c = clients[i];
          while (c.seq - sentAt0[i] < due) if (!c.edit()) break;
        }
        if (elapsed >= stepMs) {
          clearInterval(tick);
          resolve();
        }
      }, 5);
    });
    const sent = clients.reduce((n, c, i) => n + c.seq - sentAt0[i], 0);
    const expected = sent * (clientsPerDoc - 1);
    const drainUntil = performance.now() + 3000;
    while (received < expected && performance.now() < drainUntil) await sleep(20);
    const wall = performance.now() - t0;
    const gen = process.cpuUsage(gen0);
    const lat = latencySummary(latencies);
    const step = {
      ratePerClient: rate,
      offeredDeliveriesPerSec: (rate * clients.length * (clientsPerDoc - 1)),
      deliveriesPerSec: received / (stepMs / 1000),
      missing: Math.max(0, expected - received),
      latencyMs: lat,
      worstPer250Ms: Array.from(worst, (x) => Math.round(x ?? 0)),
      serverCpuPercent: ((server.cpu() - cpu0) / (wall / 1000)) * 100,
      loadGenCpuPercent: ((gen.user + gen.system) / 1000 / wall) * 100,
    };
    step.pass = lat.p99 < p99LimitMs && step.missing === 0 && step.deliveriesPerSec >= 0.9 * step.offeredDeliveriesPerSec;
    steps.push(step);
    if (!step.pass) break;
    capacity = Math.max(capacity, step.deliveriesPerSec);
    await sleep(200);
  }
  await Promise.all(clients.map((c) => c.close()));
  return { capacityDeliveriesPerSec: capacity, steps, peakRssMb: server.memory().peakRssMb };
}

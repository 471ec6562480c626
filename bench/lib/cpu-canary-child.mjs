// The process `cpu-canary.ts` starts, pinned to one core: a fixed piece of CPU work every PERIOD_MS,
// and once a second `<epoch ms> <bursts> <median µs>` on stdout. Integer arithmetic on one variable:
// no allocation, no memory traffic, so what slows it is the core itself (a host that takes the vCPU
// away or shares its physical core), not caches or GC. Started with `--jitless` (the loop always runs
// in the interpreter: no tier-up or deoptimisation to change its cost midway) and without V8's
// helper threads. Plain JavaScript: started bare, without the project's TypeScript loader.
const PERIOD_MS = Number(process.env.ALT_CANARY_PERIOD_MS ?? 50);
const ITERATIONS = Number(process.env.ALT_CANARY_ITERATIONS ?? 6_000);

function work(n) {
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

let sink = 0;
for (let i = 0; i < 20; i++) sink ^= work(ITERATIONS);

let bursts = [];
setInterval(() => {
  const t0 = process.hrtime.bigint();
  sink ^= work(ITERATIONS);
  bursts.push(Number(process.hrtime.bigint() - t0) / 1000);
}, PERIOD_MS);
// The benchmark that started it may die without stopping it; a gauge must not outlive its benchmark.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
  if (bursts.length === 0) return;
  const sorted = bursts.sort((a, b) => a - b);
  bursts = [];
  process.stdout.write(`${Date.now()} ${sorted.length} ${sorted[sorted.length >> 1].toFixed(1)}\n`);
}, 1000);
process.stdout.on('error', () => process.exit(0));
process.on('SIGTERM', () => process.exit(sink === 0.5 ? 1 : 0));

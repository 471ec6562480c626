/**
 * Code patterns that make a request's garbage outlive V8's scavenges on this Node (24, V8 13.6), so
 * that it is promoted and freed only by a mark-compact — what the collector's hot path must not do.
 * Each pattern runs once per "request" whose garbage is ~1.7 KB (an object holding a 200-element
 * array); after five rounds of 5,000 calls with a scavenge after each, and two more scavenges,
 * "promoted" is the heap that a full collection then frees, per call.
 *
 *   node --expose-gc --import tsx bench/experiments/scavenge-survival.ts [--json]
 *
 * Found with it (docs/performance.md, "What the slow level promotes"): a live `WeakRef` or a
 * `FinalizationRegistry` registration keeps its target through every scavenge (the scavenger treats
 * them as strong references); an accessor defined on a fresh function, as
 * `AsyncResource.prototype.bind` does for its `asyncResource` property, promotes the garbage its
 * getter's closure can reach. Fastify 5.12's content-type parser no longer calls `bind` per request.
 */
import { parseArgs } from 'node:util';

const gc = (globalThis as { gc?: (o?: { type: 'minor' | 'major' }) => void }).gc;

type Pattern = (i: number) => void;

const weakRefs: WeakRef<object>[] = [];
const registry = new FinalizationRegistry<number>(() => {});

const request = (i: number) => ({ i, garbage: new Array<number>(200).fill(i) });

export const PATTERNS: Record<string, Pattern> = {
  /** The baseline: the request's objects are dropped when the call returns. */
  plain: (i) => {
    const r = request(i);
    const f = () => r.i;
    f();
  },
  /** A WeakRef to the request, itself kept (as a cache of weak references would keep it). */
  weakref: (i) => {
    weakRefs.push(new WeakRef(request(i)));
  },
  /** The request registered with a FinalizationRegistry (as a native-handle wrapper would be). */
  'finalization-registry': (i) => {
    registry.register(request(i), i);
  },
  /** An accessor on a fresh function whose getter reaches the request (AsyncResource#bind's shape). */
  'accessor-on-fresh-function': (i) => {
    const r = request(i);
    const fn = () => r.i;
    const bound = function (this: unknown, ...args: unknown[]) {
      return Reflect.apply(fn, this, args);
    };
    Object.defineProperty(bound, 'resource', { configurable: true, enumerable: true, get: () => r });
    bound();
  },
};

export async function promotedPerCall(pattern: Pattern): Promise<number> {
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 50_000; i++) pattern(i);
  weakRefs.length = 0;
  gc();
  gc();
  const rounds = 5;
  const perRound = 5_000;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < perRound; i++) pattern(i);
    // A turn of the event loop between rounds, as between a server's requests.
    await new Promise((resolve) => setImmediate(resolve));
    gc({ type: 'minor' });
  }
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  const afterScavenges = process.memoryUsage().heapUsed;
  weakRefs.length = 0;
  gc();
  const afterFull = process.memoryUsage().heapUsed;
  return Math.max(0, (afterScavenges - afterFull) / (rounds * perRound));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
  const results: Record<string, number> = {};
  for (const [name, pattern] of Object.entries(PATTERNS)) {
    results[name] = Math.round(await promotedPerCall(pattern));
    if (!values.json)
      console.log(`${name.padEnd(28)} ${String(results[name]).padStart(6)} B promoted per call`);
  }
  if (values.json) console.log(JSON.stringify({ node: process.version, results }, null, 2));
}

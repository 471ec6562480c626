// Preloaded into a server process (`node --import=<this file> …`, e.g. through
// `scavenge-level.ts --heap-profile`): after ALT_HEAP_SAMPLE_START seconds it runs V8's sampling heap
// profiler for ALT_HEAP_SAMPLE_SECONDS and writes the profile to ALT_HEAP_SAMPLE_OUT (.heapprofile,
// which Chrome DevTools opens too).
//
// By default the profile holds what was allocated in that window and either is still alive at the end
// or was freed by a mark-compact: for a server whose live set is flat, the garbage scavenges failed to
// free, i.e. what they promoted. ALT_HEAP_SAMPLE_ALL=1 also keeps what scavenges freed: everything
// allocated. `heap-sites.ts` sets the two side by side per allocating function.
//
// Plain JavaScript rather than TypeScript: a preload runs before any loader is registered.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const startSec = Number(process.env.ALT_HEAP_SAMPLE_START ?? 60);
const seconds = Number(process.env.ALT_HEAP_SAMPLE_SECONDS ?? 20);
const out = process.env.ALT_HEAP_SAMPLE_OUT ?? `heap-${process.pid}.heapprofile`;
const all = process.env.ALT_HEAP_SAMPLE_ALL === '1';

setTimeout(async () => {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 512,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: all,
  });
  setTimeout(async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(out, JSON.stringify(profile));
    session.disconnect();
    process.stderr.write(`heap-sampling-probe: wrote ${out}\n`);
  }, seconds * 1000).unref();
}, startSec * 1000).unref();

/**
 * Which allocating functions' objects a server's scavenges promote: two sampling heap profiles of the
 * same load (`heap-sampling-probe.mjs`, e.g. through `scavenge-level.ts --heap-profile`), one of
 * everything allocated (`ALT_HEAP_SAMPLE_ALL=1`) and one of what was still alive or freed only by a
 * mark-compact, set side by side per function as MB/s allocated, MB/s kept and the share kept.
 *
 * A share near 100 % for a function whose objects live as long as a request means every request's
 * objects from it outlived two scavenges; near 0 % that they died young, as a request's garbage
 * should (docs/performance.md, "What the slow level promotes").
 *
 *   npx tsx bench/experiments/heap-sites.ts --all A.heapprofile --all-seconds 15 \
 *     --kept B.heapprofile --kept-seconds 20 [--min-mb-per-sec 0.2] [--json]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

export interface SiteRow {
  site: string;
  allocatedMbPerSec: number;
  keptMbPerSec: number;
  keptShare: number;
}

/** Self sizes summed per allocating function (name, file's last two path parts, line:column). */
export function bytesBySite(head: ProfileNode): Map<string, number> {
  const sites = new Map<string, number>();
  const stack = [head];
  while (stack.length) {
    const n = stack.pop()!;
    const f = n.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    sites.set(site, (sites.get(site) ?? 0) + n.selfSize);
    stack.push(...n.children);
  }
  return sites;
}

export function compareSites(
  all: Map<string, number>,
  allSeconds: number,
  kept: Map<string, number>,
  keptSeconds: number,
  minMbPerSec: number,
): SiteRow[] {
  const rows: SiteRow[] = [];
  for (const [site, bytes] of all) {
    const allocatedMbPerSec = bytes / allSeconds / 1e6;
    if (allocatedMbPerSec < minMbPerSec) continue;
    const keptMbPerSec = (kept.get(site) ?? 0) / keptSeconds / 1e6;
    rows.push({ site, allocatedMbPerSec, keptMbPerSec, keptShare: keptMbPerSec / allocatedMbPerSec });
  }
  return rows.sort((a, b) => b.allocatedMbPerSec - a.allocatedMbPerSec);
}

const load = (file: string) =>
  bytesBySite((JSON.parse(readFileSync(file, 'utf8')) as { head: ProfileNode }).head);

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      all: { type: 'string' },
      'all-seconds': { type: 'string' },
      kept: { type: 'string' },
      'kept-seconds': { type: 'string' },
      'min-mb-per-sec': { type: 'string', default: '0.2' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.all || !values.kept || !values['all-seconds'] || !values['kept-seconds']) {
    throw new Error('--all, --all-seconds, --kept and --kept-seconds are required');
  }
  const rows = compareSites(
    load(values.all),
    Number(values['all-seconds']),
    load(values.kept),
    Number(values['kept-seconds']),
    Number(values['min-mb-per-sec']),
  );
  if (values.json) console.log(JSON.stringify(rows, null, 2));
  else {
    for (const r of rows) {
      console.log(
        `${r.allocatedMbPerSec.toFixed(2).padStart(7)} MB/s allocated ${r.keptMbPerSec.toFixed(2).padStart(7)} MB/s kept ${(100 * r.keptShare).toFixed(0).padStart(4)} %  ${r.site}`,
      );
    }
  }
}

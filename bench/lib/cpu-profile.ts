/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) into the few lines a report needs: where the
 * process spent its CPU, by function and by package/module. Pure.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotSpot {
  name: string;
  /** Share of all samples, 0–1. */
  self: number;
}

/** `node_modules/fastify/lib/x.js` → `fastify`; `/repo/collector/validate.ts` → `collector/validate.ts`. */
export function moduleOf(url: string, root: string): string {
  if (!url) return '(native/V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(root) ? path.slice(root.length).replace(/^\//, '') : path;
}

/**
 * Self time by function and by module. `lastMs` keeps only the samples of the profile's last
 * `lastMs` milliseconds (the measured load, not the process start-up before it).
 */
export function summarizeCpuProfile(
  p: CpuProfile,
  o: { root: string; top?: number; lastMs?: number },
): { functions: HotSpot[]; modules: HotSpot[]; idle: number; samples: number } {
  const top = o.top ?? 15;
  const hitsById = new Map<number, number>();
  if (o.lastMs !== undefined && p.samples && p.timeDeltas) {
    const times: number[] = [];
    let t = p.startTime;
    for (const d of p.timeDeltas) {
      t += d;
      times.push(t);
    }
    const from = p.endTime - o.lastMs * 1000;
    p.samples.forEach((id, i) => {
      if (times[i] >= from) hitsById.set(id, (hitsById.get(id) ?? 0) + 1);
    });
  } else {
    for (const n of p.nodes) hitsById.set(n.id, n.hitCount ?? 0);
  }
  let total = 0;
  for (const h of hitsById.values()) total += h;
  total ||= 1;
  const fns = new Map<string, number>();
  const mods = new Map<string, number>();
  let idle = 0;
  for (const n of p.nodes) {
    const hits = hitsById.get(n.id) ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idle += hits;
      continue;
    }
    const mod = functionName.startsWith('(') ? functionName : moduleOf(url, o.root);
    const fn =
      `${functionName || '(anonymous)'} ${url ? `${moduleOf(url, o.root)}:${lineNumber + 1}` : ''}`.trim();
    fns.set(fn, (fns.get(fn) ?? 0) + hits);
    mods.set(mod, (mods.get(mod) ?? 0) + hits);
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, self: hits / total }));
  return { functions: rank(fns), modules: rank(mods), idle: idle / total, samples: total };
}

import { describe, expect, it } from 'vitest';
import { bytesBySite, compareSites } from './heap-sites.ts';

interface FakeNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: FakeNode[];
}

const node = (functionName: string, url: string, selfSize: number, children: FakeNode[] = []): FakeNode => ({
  callFrame: { functionName, url, lineNumber: 9, columnNumber: 4 },
  selfSize,
  children,
});

describe('heap-sites', () => {
  it('sums self sizes per function across every stack it appears in', () => {
    const head = node('(root)', '', 0, [
      node('handler', 'file:///app/lib/route.js', 100, [node('parse', 'file:///app/lib/body.js', 40)]),
      node('other', 'file:///app/x.js', 5, [node('parse', 'file:///app/lib/body.js', 60)]),
    ]);
    const sites = bytesBySite(head);
    expect(sites.get('parse lib/body.js:10:5')).toBe(100);
    expect(sites.get('handler lib/route.js:10:5')).toBe(100);
    expect(sites.get('(root) :10:5')).toBe(0);
  });

  it('reports per-second rates, the share kept, and drops sites below the floor', () => {
    const all = new Map([
      ['a', 20e6], // 2 MB/s over 10 s
      ['b', 10e6], // 1 MB/s
      ['tiny', 1e5],
    ]);
    const kept = new Map([['a', 19e6]]); // 0.95 MB/s over 20 s
    const rows = compareSites(all, 10, kept, 20, 0.2);
    expect(rows.map((r) => r.site)).toEqual(['a', 'b']);
    expect(rows[0]!.keptShare).toBeCloseTo(0.475);
    expect(rows[1]!.keptMbPerSec).toBe(0);
  });
});

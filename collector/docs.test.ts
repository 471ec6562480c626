import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, Errors, wireCode } from './errors.ts';
import { createMetrics } from './metrics.ts';

const tableAfter = (file: string, marker: string) => {
  const text = readFileSync(new URL(`../docs/${file}`, import.meta.url), 'utf8');
  const start = text.indexOf(marker);
  expect(start).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (const line of text.slice(start).split('\n').slice(1)) {
    if (line.trim() === '') {
      if (rows.length) break;
      continue;
    }
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows.slice(2); // header and separator
};

describe('docs/errors.md', () => {
  it('lists exactly the codes of collector/errors.ts, with their HTTP status', () => {
    const rows = tableAfter('errors.md', '<!-- error-codes');
    const documented = rows.map((r) => [r[0].replaceAll('`', ''), Number(r[1])]);
    const actual = Object.values(Errors).map((E) => {
      const e = new E();
      return [wireCode(e), e.statusCode];
    });
    expect(documented).toEqual(actual);
  });

  it('has the codes and statuses DESIGN §4 fixes', () => {
    const status = Object.fromEntries(
      Object.values(Errors).map((E) => [wireCode(new E()), new E().statusCode]),
    );
    expect(status).toMatchObject({
      invalid_json: 400,
      invalid_hit: 400,
      invalid_key: 401,
      unknown_app: 403,
      app_disabled: 403,
      origin_not_allowed: 403,
      too_large: 413,
      unsupported_media_type: 415,
      rate_limited: 429,
      overloaded: 503,
    });
    expect(ERROR_CODES).toHaveLength(new Set(ERROR_CODES).size);
  });
});

describe('docs/collector.md', () => {
  it('lists every metric of collector/metrics.ts with its type and labels', async () => {
    const rows = tableAfter('collector.md', '<!-- metrics');
    const documented = rows.map((r) => ({
      name: r[0].replaceAll('`', ''),
      type: r[1],
      labels: r[2] === '—' ? [] : r[2].split(',').map((l) => l.replaceAll('`', '').trim()),
    }));
    const m = createMetrics();
    const actual = (await m.registry.getMetricsAsJSON()).map((x) => ({
      name: x.name,
      type: String(x.type),
      labels: [
        ...((m.registry.getSingleMetric(x.name) as unknown as { labelNames: string[] }).labelNames ?? []),
      ],
    }));
    expect(documented).toEqual(actual);
  });
});

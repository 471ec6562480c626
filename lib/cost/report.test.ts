import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCost } from '../../cli/commands/cost.ts';
import { costDocSection } from './report.ts';

describe('docs/operations.md cost tables', () => {
  it('are what the model gives today (run `npm run generate` after changing it)', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    const between = /<!-- cost-tables:start -->\n([\s\S]*?)\n<!-- cost-tables:end -->/.exec(doc);
    expect(between, 'docs/operations.md lacks the cost-tables markers').not.toBeNull();
    expect(between?.[1]).toBe(costDocSection());
  });
});

async function run(...args: string[]): Promise<string> {
  let text = '';
  const program = new Command('alt')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerCost(program, (t) => {
    text += t;
  });
  await program.parseAsync(['node', 'alt', 'cost', ...args]);
  return text;
}

describe('alt cost', () => {
  it('prints every line item with its source and the total', async () => {
    const out = await run('--pageviews-per-month', '20000000', '--preset', 'small');
    expect(out).toMatch(/^service +\| item +\| unit +\| quantity/);
    expect(out).toMatch(/Data transfer out +\| TLS handshakes \(ECDSA/);
    expect(out).toMatch(/https:\/\/aws\.amazon\.com\/elasticloadbalancing\/pricing\//);
    expect(out).toMatch(/total \$12\d\.\d\d a month, \$6\.\d+ per million hits/);
  });

  it('answers JSON with the line items and per-million figure', async () => {
    const e = JSON.parse(
      await run(
        '--hits-per-second',
        '5000',
        '--preset',
        'scale',
        '--region',
        'eu-west-1',
        '--format',
        'json',
      ),
    );
    expect(e.region).toBe('eu-west-1');
    expect(e.items.length).toBeGreaterThan(20);
    expect(e.perMillionHits).toBeCloseTo(e.total / (e.traffic.hitsPerMonth / 1e6), 9);
  });

  it('takes an assumption override and refuses an unknown one', async () => {
    const base = JSON.parse(await run('--hits-per-second', '5000', '--preset', 'scale', '--format', 'json'));
    const fewer = JSON.parse(
      await run(
        '--hits-per-second',
        '5000',
        '--preset',
        'scale',
        '--format',
        'json',
        '--assume',
        'newConnectionsPerPageviewIdle60=0.25',
      ),
    );
    expect(fewer.total).toBeLessThan(base.total);
    await expect(run('--hits-per-second', '1', '--assume', 'nope=1')).rejects.toThrow(
      /--assume takes name=value/,
    );
  });

  it('prices the inline snippet with --snippet inline (default src), and refuses script-fetch assumptions with it', async () => {
    const args = ['--hits-per-second', '5000', '--preset', 'scale'];
    const src = JSON.parse(await run(...args, '--format', 'json'));
    const inline = JSON.parse(await run(...args, '--snippet', 'inline', '--format', 'json'));
    expect(src.snippet).toBe('src');
    expect(inline.snippet).toBe('inline');
    expect(src.total - inline.total).toBeCloseTo(247.77, 2);
    expect(inline.items.map((i: { item: string }) => i.item)).not.toContainEqual(
      expect.stringMatching(/beacon script/),
    );
    const table = await run(...args, '--snippet', 'inline');
    expect(table).toMatch(/beacon inlined in the snippet \(no script fetch\)/);
    expect(table).toMatch(/total \$2,353\.65 a month, \$0\.1791 per million hits/);
    await expect(run(...args, '--snippet', 'inline', '--assume', 'scriptColdCacheShare=0.3')).rejects.toThrow(
      /--snippet inline fetches no script: scriptColdCacheShare would not be used/,
    );
    await expect(run(...args, '--snippet', 'both')).rejects.toThrow(/--snippet/);
  });

  it('prices the preset’s certificate unless --certificate names the other', async () => {
    const args = ['--hits-per-second', '5000', '--preset', 'scale'];
    expect(await run(...args)).toMatch(/total \$2,601\.42 a month, \$0\.198 per million hits/);
    const acm = await run(...args, '--certificate', 'acm');
    expect(acm).toMatch(/TLS handshakes \(ECDSA ACM certificate/);
    expect(acm).toMatch(/total \$3,063\.51 a month, \$0\.2331 per million hits/);
    const small = await run('--pageviews-per-month', '20000000', '--certificate', 'managed');
    expect(small).toMatch(/TLS handshakes \(managed ECDSA, leaf \+ 1 intermediate certificate/);
    expect(small).toMatch(/certificate renewer \(daily\)/);
    await expect(run(...args, '--certificate', 'imported')).rejects.toThrow(/--certificate/);
  });

  it('asks for the traffic when none is given, and refuses both at once', async () => {
    await expect(run('--preset', 'scale')).rejects.toThrow(/--pageviews-per-month N or --hits-per-second R/);
    await expect(run('--hits-per-second', '5', '--pageviews-per-month', '5')).rejects.toThrow(
      /cannot be used with/,
    );
  });
});

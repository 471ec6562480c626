/**
 * `alt cost`: what a stack preset costs a month at a given traffic, one line item per billed
 * quantity with its unit price and the price's source (lib/cost/). Reads nothing but its flags.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ASSUMPTIONS, type AssumptionName, type AssumptionValues } from '../../lib/cost/assumptions.ts';
import { estimate, SCRIPT_FETCH_ASSUMPTIONS, type SnippetKind } from '../../lib/cost/model.ts';
import { type CertificateSource, PRESET_NAMES, type PresetName } from '../../lib/cost/presets.ts';
import { isPriceRegion, PRICE_REGIONS } from '../../lib/cost/prices.ts';
import { LINE_COLUMNS, lineRows, summary } from '../../lib/cost/report.ts';
import { formatResult } from '../format.ts';

type Flags = {
  pageviewsPerMonth?: number;
  hitsPerSecond?: number;
  preset: PresetName;
  region: string;
  format: 'table' | 'json';
  snippet: SnippetKind;
  certificate?: CertificateSource;
  assume: Partial<AssumptionValues>;
};

const positive = (flag: string) => (text: string) => {
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`${flag} takes a number above 0, got "${text}"`);
  return n;
};

function assume(text: string, previous: Partial<AssumptionValues>): Partial<AssumptionValues> {
  const m = /^([A-Za-z0-9]+)=(.+)$/.exec(text);
  if (!m || !(m[1] in ASSUMPTIONS))
    throw new InvalidArgumentError(
      `--assume takes name=value with a name from: ${Object.keys(ASSUMPTIONS).join(', ')}`,
    );
  const value = Number(m[2]);
  if (!Number.isFinite(value) || value < 0)
    throw new InvalidArgumentError(`--assume ${m[1]}: expected a number ≥ 0, got "${m[2]}"`);
  return { ...previous, [m[1] as AssumptionName]: value };
}

export function registerCost(
  program: Command,
  out: (text: string) => void = (t) => process.stdout.write(t),
): void {
  program
    .command('cost')
    .description(
      'monthly AWS cost of a stack preset at a given traffic, line by line, from a dated list-price table',
    )
    .addOption(
      new Option('--pageviews-per-month <n>', 'traffic as pageviews a month (sized for a daily peak)')
        .argParser(positive('--pageviews-per-month'))
        .conflicts('hitsPerSecond'),
    )
    .addOption(
      new Option('--hits-per-second <r>', 'traffic as a sustained rate of hits').argParser(
        positive('--hits-per-second'),
      ),
    )
    .addOption(new Option('--preset <name>', 'stack preset').choices(PRESET_NAMES).default('small'))
    .addOption(
      new Option('--region <region>', 'AWS region of the price table')
        .choices([...PRICE_REGIONS])
        .default('us-east-1'),
    )
    .addOption(
      new Option(
        '--snippet <kind>',
        'how pages carry the beacon: src, the <script src> tag `alt apps snippet` prints; inline, its --inline snippet (no script fetch)',
      )
        .choices(['src', 'inline'])
        .default('src'),
    )
    .addOption(
      new Option(
        '--certificate <source>',
        'the listener certificate priced: acm, issued by ACM (three certificates a full handshake); managed, the stack’s own short chain (alt:managedCertificate). Default: the preset’s',
      ).choices(['acm', 'managed']),
    )
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
    .option(
      '--assume <name=value>',
      'override a model assumption (repeatable; names in docs/operations.md)',
      assume,
      {},
    )
    .action((f: Flags) => {
      if (f.pageviewsPerMonth === undefined && f.hitsPerSecond === undefined)
        throw new Error('give the traffic: --pageviews-per-month N or --hits-per-second R');
      if (!isPriceRegion(f.region)) throw new Error(`no prices for region ${f.region}`);
      const fetchAssumed = SCRIPT_FETCH_ASSUMPTIONS.filter((name) => name in f.assume);
      if (f.snippet === 'inline' && fetchAssumed.length)
        throw new Error(
          `--snippet inline fetches no script: ${fetchAssumed.join(' and ')} would not be used (leave out --assume ${fetchAssumed[0]}=…, or price --snippet src)`,
        );
      const e = estimate({
        pageviewsPerMonth: f.pageviewsPerMonth,
        hitsPerSecond: f.hitsPerSecond,
        preset: f.preset,
        region: f.region,
        assumptions: f.assume,
        snippet: f.snippet,
        certificate: f.certificate,
      });
      if (f.format === 'json') {
        out(`${JSON.stringify(e, null, 2)}\n`);
        return;
      }
      const result = { columns: LINE_COLUMNS.map((name) => ({ name, type: '' })), rows: lineRows(e) };
      out(formatResult(result, 'table'));
      out(`${summary(e)}\n`);
    });
}

import { describe, expect, it } from 'vitest';
import { parseDrillArgs } from './args.ts';

const KNOWN = ['kill-9', 'kinesis-outage', 'slow-clients'];

describe('parseDrillArgs', () => {
  it('defaults to every drill, full length, doc written', () => {
    expect(parseDrillArgs([], KNOWN)).toEqual({ quick: false, only: null, noDoc: false });
  });

  it('takes --only as a separate or joined value, and --quick', () => {
    expect(parseDrillArgs(['--only', 'kill-9,slow-clients', '--quick'], KNOWN)).toEqual({
      quick: true,
      only: ['kill-9', 'slow-clients'],
      noDoc: false,
    });
    expect(parseDrillArgs(['--only=kinesis-outage', '--no-doc'], KNOWN).only).toEqual(['kinesis-outage']);
  });

  it('refuses unknown drills and arguments with the list of known ones', () => {
    expect(() => parseDrillArgs(['--only', 'kill9'], KNOWN)).toThrow(
      /unknown drill\(s\): kill9 \(known: kill-9/,
    );
    expect(() => parseDrillArgs(['--fast'], KNOWN)).toThrow(/unknown argument: --fast/);
    expect(() => parseDrillArgs(['--only'], KNOWN)).toThrow(/--only needs/);
  });
});

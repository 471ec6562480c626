import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, EnvelopeKind, encodeEnvelope } from './envelope.ts';

describe('envelope', () => {
  it('round-trips NDJSON lines with their kind', () => {
    const rec = encodeEnvelope(EnvelopeKind.DROPPED_BOTS, '{"a":1}\n{"a":2}\n');
    expect(rec[0]).toBe(0x02);
    expect(decodeEnvelope(rec)).toEqual({
      ok: true,
      kind: EnvelopeKind.DROPPED_BOTS,
      lines: ['{"a":1}', '{"a":2}'],
    });
  });

  it('accepts a bare JSON hit', () => {
    expect(decodeEnvelope(Buffer.from('{"x":1}'))).toEqual({ ok: true, kind: 1, lines: ['{"x":1}'] });
  });

  it('reports unknown versions and corrupt bodies instead of throwing', () => {
    expect(decodeEnvelope(Buffer.from([0x09, 1, 2]))).toEqual({
      ok: false,
      reason: 'unknown envelope version 0x09',
    });
    expect(decodeEnvelope(new Uint8Array())).toEqual({ ok: false, reason: 'empty record' });
    const truncated = Buffer.concat([Buffer.from([1]), gzipSync('{"a":1}\n').subarray(0, 8)]);
    const r = decodeEnvelope(truncated);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^corrupt gzip body/);
  });
});

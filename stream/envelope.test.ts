import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  createEnvelopeOpener,
  decodeEnvelope,
  EnvelopeKind,
  encodeEnvelope,
  encodeEnvelopeAsync,
  openEnvelope,
  reusesDeflateContext,
} from './envelope.ts';

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

describe('the reusing envelope opener', () => {
  const gz = (text: string) => gzipSync(text, { level: 1 });
  const frame = (kind: number, ...parts: Uint8Array[]) =>
    new Uint8Array(Buffer.concat([Buffer.from([kind]), ...parts]));
  const body = (n: number) =>
    Array.from({ length: n }, (_, i) => `{"i":${i},"s":"é${'x'.repeat(i % 50)}"}\n`).join('');
  const bigBody = body(20_000);
  const good = gz(body(40));
  const forged = Buffer.from(gz(bigBody));
  forged.writeUInt32LE(10, forged.length - 4); // an ISIZE that says 10 bytes
  const records: Record<string, Uint8Array> = {
    lakeRows: frame(1, good),
    droppedBots: frame(2, good),
    big: frame(1, gz(bigBody)),
    twoMembers: frame(1, good, gz('{"more":1}\n')),
    forgedSize: frame(1, forged),
    truncated: frame(1, good.subarray(0, good.length - 6)),
    corrupt: frame(1, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x42, 0x42, 0x42])),
    trailingBytes: frame(1, good, Buffer.from('xyz')),
    emptyBody: frame(1),
    empty: new Uint8Array(),
    unknown: frame(9, good),
    bare: new Uint8Array(Buffer.from('{"x":1}')),
  };
  const plain = (o: ReturnType<typeof openEnvelope>) =>
    o.ok ? { ...o, body: o.body.toString('latin1') } : o;

  it('inflates into its own buffer on this Node', () => {
    expect(createEnvelopeOpener().reusing).toBe(true);
  });

  it('opens every record as openEnvelope does, errors and their messages included, in any order', () => {
    const opener = createEnvelopeOpener();
    const names = Object.keys(records);
    for (const order of [names, [...names].reverse(), names.flatMap((n) => [n, 'lakeRows'])]) {
      for (const name of order) {
        expect({ name, ...plain(opener.open(records[name])) }).toEqual({
          name,
          ...plain(openEnvelope(records[name])),
        });
      }
    }
  });

  it('writes over the last body on the next open, never over one it was told to keep', () => {
    const opener = createEnvelopeOpener();
    const first = opener.open(frame(1, gz('{"a":"first"}\n')));
    opener.keep();
    const second = opener.open(frame(1, gz('{"a":"2nd!!"}\n')));
    const third = opener.open(frame(1, gz('{"a":"third"}\n')));
    expect(first.ok && first.body.toString()).toBe('{"a":"first"}\n');
    expect(third.ok && third.body.toString()).toBe('{"a":"third"}\n');
    // The second body was not kept: the third was inflated over it.
    expect(second.ok && second.body.toString()).toBe('{"a":"third"}\n');
  });
});

describe('envelopes deflated with one reused context', () => {
  const lines = (n: number) =>
    Array.from({ length: n }, (_, i) => `{"i":${i},"u":"/p/${i % 97}"}\n`).join('');

  it('deflates with one context on this Node', () => {
    expect(reusesDeflateContext()).toBe(true);
  });

  it('every record inflates to exactly its own body, whatever came before it', async () => {
    const random = randomBytes(300_000); // incompressible: deflate's output is larger than its input
    const bodies = [lines(1), lines(2_000), Buffer.from(''), random.subarray(0, 5_000), lines(7), random];
    const records = [];
    for (const b of bodies) records.push({ b, sync: encodeEnvelope(EnvelopeKind.DROPPED_BOTS, b) });
    for (const b of bodies) records.push({ b, sync: await encodeEnvelopeAsync(EnvelopeKind.LAKE_ROWS, b) });
    for (const { b, sync } of records) {
      expect(gunzipSync(sync.subarray(1)).equals(Buffer.from(b))).toBe(true);
    }
    // Each record is its own memory: a later encode did not write over an earlier one.
    const first = records[0].sync;
    expect(first[0]).toBe(EnvelopeKind.DROPPED_BOTS);
    expect(decodeEnvelope(first)).toEqual({
      ok: true,
      kind: EnvelopeKind.DROPPED_BOTS,
      lines: [lines(1).trimEnd()],
    });
  });

  it('is as small as gzipSync at the same level', () => {
    const body = lines(3_000);
    expect(encodeEnvelope(EnvelopeKind.LAKE_ROWS, body).length).toBe(gzipSync(body, { level: 1 }).length + 1);
  });
});

/**
 * The stream record format (DESIGN §4): many hits share one record, so shard limits and PUT units
 * are not spent per hit.
 *
 *   byte 0      envelope kind and version
 *   bytes 1..   gzip of NDJSON, one `LakeRow` per line
 *
 * Kinds: `LAKE_ROWS` (0x01) go to the lake; `DROPPED_BOTS` (0x02) are bot hits the app's policy keeps
 * out of the lake — the transformer only counts them (`hits_hourly.dropped_bots`) and archives them
 * in raw/. A record that starts with `{` is one bare JSON hit (lenient input, e.g. put by hand).
 */
import { promisify } from 'node:util';
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import type { LakeRow } from '../schemas/lake.ts';

export const EnvelopeKind = { LAKE_ROWS: 0x01, DROPPED_BOTS: 0x02 } as const;
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

const BARE_JSON = 0x7b; // '{'

const gzipAsync = promisify(gzip);
/** gzip level 1: envelopes are built on the collector's hot path; the lake recompresses with ZSTD. */
const GZIP = { level: 1 };

function frame(kind: EnvelopeKind, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = kind;
  out.set(body, 1);
  return out;
}

export function encodeEnvelope(kind: EnvelopeKind, ndjson: string | Uint8Array): Uint8Array {
  return frame(kind, gzipSync(ndjson, GZIP));
}

/** The same, compressed on the libuv pool so a big batch does not stall request handling. */
export async function encodeEnvelopeAsync(
  kind: EnvelopeKind,
  ndjson: string | Uint8Array,
): Promise<Uint8Array> {
  return frame(kind, await gzipAsync(ndjson, GZIP));
}

export function encodeRows(kind: EnvelopeKind, rows: readonly LakeRow[]): Uint8Array {
  let s = '';
  for (const r of rows) s += `${JSON.stringify(r)}\n`;
  return encodeEnvelope(kind, s);
}

export type DecodedEnvelope =
  | { ok: true; kind: EnvelopeKind; lines: string[] }
  | { ok: false; reason: string };

/** Splits a record into NDJSON lines (not yet parsed or validated); never throws. */
export function decodeEnvelope(data: Uint8Array): DecodedEnvelope {
  if (data.length === 0) return { ok: false, reason: 'empty record' };
  const head = data[0];
  if (head === BARE_JSON) {
    return { ok: true, kind: EnvelopeKind.LAKE_ROWS, lines: [Buffer.from(data).toString('utf8')] };
  }
  if (head !== EnvelopeKind.LAKE_ROWS && head !== EnvelopeKind.DROPPED_BOTS) {
    return { ok: false, reason: `unknown envelope version 0x${head.toString(16).padStart(2, '0')}` };
  }
  let text: string;
  try {
    text = gunzipSync(data.subarray(1)).toString('utf8');
  } catch (err) {
    return { ok: false, reason: `corrupt gzip body: ${(err as Error).message}` };
  }
  const lines = text.split('\n').filter((l) => l.length > 0);
  return { ok: true, kind: head as EnvelopeKind, lines };
}

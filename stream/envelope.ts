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
import { constants, createGunzip, createGzip, gunzipSync, gzip, gzipSync } from 'node:zlib';
import type { LakeRow } from '../schemas/lake.ts';

export const EnvelopeKind = { LAKE_ROWS: 0x01, DROPPED_BOTS: 0x02 } as const;
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

const BARE_JSON = 0x7b; // '{'

const gzipAsync = promisify(gzip);
/** gzip level 1: envelopes are built on the collector's hot path; the lake recompresses with ZSTD. */
const GZIP = { level: 1 };
/**
 * Output chunk size for a gzip member: its trailer's ISIZE (uncompressed length mod 2^32) plus one,
 * so a record inflates into one buffer with nothing to concatenate — 3-4× faster than zlib's 16 KiB
 * default on bodies of a few hundred KiB. ISIZE is only a hint (a forged one costs at most the
 * clamp), zlib still bounds the real output.
 */
function gunzipChunkSize(gz: Uint8Array): number {
  if (gz.length < 18) return 64 * 1024;
  const n = gz.length;
  const isize = (gz[n - 4] | (gz[n - 3] << 8) | (gz[n - 2] << 16) | (gz[n - 1] << 24)) >>> 0;
  return Math.min(Math.max(isize + 1, 64 * 1024), 16 * 1024 * 1024);
}

function frame(kind: EnvelopeKind, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = kind;
  out.set(body, 1);
  return out;
}

export function encodeEnvelope(kind: EnvelopeKind, ndjson: string | Uint8Array): Uint8Array {
  return deflateFramed(kind, typeof ndjson === 'string' ? Buffer.from(ndjson) : ndjson);
}

interface ZlibInternals {
  _handle: {
    writeSync(
      flush: number,
      input: Uint8Array,
      inOff: number,
      inLen: number,
      out: Uint8Array,
      outOff: number,
      outLen: number,
    ): void;
  } | null;
  /** [output bytes left, input bytes left] after a `writeSync`. */
  _writeState: Uint32Array;
  destroyed: boolean;
  reset(): void;
  on(event: 'error', fn: () => void): unknown;
}

/** The stream if this Node's zlib has the internals used here, else null (callers fall back). */
function withInternals(stream: unknown): ZlibInternals | null {
  const z = stream as ZlibInternals;
  // A failed run destroys the stream and emits its error: handled by the fallback, not thrown.
  z.on('error', () => {});
  return typeof z._handle?.writeSync === 'function' && z._writeState instanceof Uint32Array ? z : null;
}

/**
 * Runs all of `input` through the reset stream into `out` in one call, as zlib's own sync functions
 * do; the bytes written, or null unless the stream ended with room to spare (a corrupt input, or an
 * `out` too small: the caller's fallback decides).
 */
function finishInto(z: ZlibInternals, input: Uint8Array, out: Uint8Array): number | null {
  if (!z._handle) return null;
  z.reset();
  z._handle.writeSync(constants.Z_FINISH, input, 0, input.length, out, 0, out.length);
  const [outLeft, inLeft] = z._writeState;
  if (z.destroyed || inLeft !== 0 || outLeft === 0) return null;
  return out.length - outLeft;
}

/**
 * One deflate context for every record this thread encodes. `gzipSync` builds a whole `Gzip` per
 * call: a stream object, a native handle and ~270 KiB of zlib state that Node reports to V8 as
 * external memory. At a record every few milliseconds that churn kept the collector's young
 * generation full of short-lived handles and its external-memory counter climbing, and under
 * `alt dev` the collector fell into minutes of slow scavenges and back-to-back mark-compacts
 * (docs/performance.md). The context is reset between records (deflateReset keeps its memory).
 * As with the envelope opener, Node has no public call for this, so it drives the `Gzip`'s handle
 * the way `gzipSync` does; anything unexpected falls back to `gzipSync`.
 */
let sharedGzip: ZlibInternals | null | undefined;
let deflateOut: Buffer | null = null;

function gzipContext(): ZlibInternals | null {
  if (!sharedGzip || sharedGzip.destroyed) sharedGzip = withInternals(createGzip(GZIP));
  return sharedGzip;
}

/** Whether this Node lets envelopes be deflated with one reused context (tests). */
export function reusesDeflateContext(): boolean {
  return gzipContext() !== null;
}

function deflateFramed(kind: EnvelopeKind, bytes: Uint8Array): Uint8Array {
  const g = gzipContext();
  if (g) {
    // Room for incompressible input: deflate's stored blocks add 5 bytes per 16 KiB, gzip 18.
    const need = bytes.length + (bytes.length >>> 10) + 64;
    if (!deflateOut || deflateOut.length < need) deflateOut = Buffer.allocUnsafe(Math.max(need, 64 * 1024));
    const n = finishInto(g, bytes, deflateOut);
    if (n !== null) return frame(kind, deflateOut.subarray(0, n));
  }
  return frame(kind, gzipSync(bytes, GZIP));
}

/**
 * Bodies up to this size are compressed on the calling thread. Measured (one core, level 1): zlib's
 * async path costs ~60 µs of CPU per call beyond the deflate itself (a fresh context, the stream
 * machinery, the thread hand-off) — 81 µs against 24 µs for a put of 36 beacon hits — so the pool
 * only pays off for bodies whose deflate would stall request handling for long.
 */
export const SYNC_GZIP_MAX_BYTES = 256 * 1024;

/** The same; a body over `SYNC_GZIP_MAX_BYTES` is compressed on the libuv pool. */
export async function encodeEnvelopeAsync(
  kind: EnvelopeKind,
  ndjson: string | Uint8Array,
): Promise<Uint8Array> {
  const bytes = typeof ndjson === 'string' ? Buffer.from(ndjson) : ndjson;
  if (bytes.length <= SYNC_GZIP_MAX_BYTES) return deflateFramed(kind, bytes);
  return frame(kind, await gzipAsync(bytes, GZIP));
}

export function encodeRows(kind: EnvelopeKind, rows: readonly LakeRow[]): Uint8Array {
  let s = '';
  for (const r of rows) s += `${JSON.stringify(r)}\n`;
  return encodeEnvelope(kind, s);
}

export type DecodedEnvelope =
  | { ok: true; kind: EnvelopeKind; lines: string[] }
  | { ok: false; reason: string };

/** A record's NDJSON body as bytes, not yet split into lines. */
export type OpenedEnvelope =
  | { ok: true; kind: EnvelopeKind; body: Buffer; bare: boolean }
  | { ok: false; reason: string };

/** Checks the header and decompresses; never throws. `bare`: a lenient single-JSON-hit record. */
export function openEnvelope(data: Uint8Array): OpenedEnvelope {
  if (data.length === 0) return { ok: false, reason: 'empty record' };
  const head = data[0];
  if (head === BARE_JSON) {
    return {
      ok: true,
      kind: EnvelopeKind.LAKE_ROWS,
      body: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      bare: true,
    };
  }
  if (head !== EnvelopeKind.LAKE_ROWS && head !== EnvelopeKind.DROPPED_BOTS) {
    return { ok: false, reason: `unknown envelope version 0x${head.toString(16).padStart(2, '0')}` };
  }
  try {
    const gz = data.subarray(1);
    const body = gunzipSync(gz, { chunkSize: gunzipChunkSize(gz) });
    return { ok: true, kind: head as EnvelopeKind, body, bare: false };
  } catch (err) {
    return { ok: false, reason: `corrupt gzip body: ${(err as Error).message}` };
  }
}

/**
 * `openEnvelope`, inflating into one buffer reused record after record: the transformer's planning
 * (`transformer/core/plan.ts`). A body that `gunzipSync` inflates is fresh memory, a few hundred KiB
 * per record, tens of MiB per batch; with DuckDB's writes freeing memory between batches the C
 * library handed that back to the kernel, and every batch paid its page faults again (~2,900 per
 * 50,000-hit batch, planning ~6.5 against ~4.6 µs a hit with the reused buffer: docs/transformer.md).
 *
 * The body it returns is a view that the next `open` writes over, unless `keep()` was called for it
 * (a plan that points into the body: the buffer is then the plan's and the next record gets another).
 *
 * Node has no public call that inflates into a given buffer, so this drives one `Gunzip`'s native
 * handle as `gunzipSync` itself does (`_handle.writeSync`, its `_writeState` of bytes left out and
 * in). Anything but a whole inflate into the buffer — a corrupt or truncated body, an ISIZE that
 * lied, trailing bytes, or a Node whose internals differ — goes through `openEnvelope` instead, so
 * the result, error messages included, is `openEnvelope`'s (`envelope.test.ts` holds the two equal).
 */
export interface EnvelopeOpener {
  open(data: Uint8Array): OpenedEnvelope;
  /** The body last opened stays in use: the next `open` must not write over it. */
  keep(): void;
  /** Whether this Node lets it inflate into its buffer (tests). */
  readonly reusing: boolean;
}

export function createEnvelopeOpener(): EnvelopeOpener {
  const newGunzip = () => withInternals(createGunzip());
  let gunzip = newGunzip();
  const reusing = gunzip !== null;
  let out: Buffer | null = null;
  let lastWasOurs = false;
  const inflate = (gz: Uint8Array): Buffer | null => {
    if (!gunzip || gunzip.destroyed) gunzip = newGunzip();
    if (!gunzip) return null;
    const need = gunzipChunkSize(gz);
    if (!out || out.length < need) out = Buffer.allocUnsafe(need);
    // A truncated stream is an error, which destroys the stream: gunzipSync then decides.
    const n = finishInto(gunzip, gz, out);
    return n === null ? null : out.subarray(0, n);
  };
  return {
    reusing,
    open(data) {
      lastWasOurs = false;
      const head = data[0];
      if (data.length > 1 && (head === EnvelopeKind.LAKE_ROWS || head === EnvelopeKind.DROPPED_BOTS)) {
        const body = inflate(data.subarray(1));
        if (body) {
          lastWasOurs = true;
          return { ok: true, kind: head as EnvelopeKind, body, bare: false };
        }
      }
      return openEnvelope(data);
    },
    keep() {
      if (lastWasOurs) out = null;
      lastWasOurs = false;
    },
  };
}

/** Splits a record into NDJSON lines (not yet parsed or validated); never throws. */
export function decodeEnvelope(data: Uint8Array): DecodedEnvelope {
  const opened = openEnvelope(data);
  if (!opened.ok) return opened;
  const lines = opened.bare ? [opened.body.toString('utf8')] : splitLines(opened.body);
  return { ok: true, kind: opened.kind, lines };
}

/**
 * Calls `fn(start, end)` for each non-empty line of NDJSON bytes (`end` excludes the newline).
 * Splitting bytes at 0x0A is safe in UTF-8: no multi-byte sequence contains that byte.
 */
export function forEachLine(body: Uint8Array, fn: (start: number, end: number) => void): void {
  let start = 0;
  while (start < body.length) {
    const nl = body.indexOf(0x0a, start);
    const end = nl < 0 ? body.length : nl;
    if (end > start) fn(start, end);
    start = end + 1;
  }
}

/**
 * Non-empty lines of UTF-8 NDJSON, each decoded on its own. Decoding a whole body into one string
 * first is ~20× slower per line: a body of a few hundred KiB becomes a large-object-space string,
 * whose allocation dominated the transformer's profile.
 */
export function splitLines(body: Buffer): string[] {
  const lines: string[] = [];
  forEachLine(body, (start, end) => lines.push(body.toString('utf8', start, end)));
  return lines;
}

/**
 * Synthetic lake rows for the transformer benchmarks: 20 apps, a few modules and tenants, a mix of
 * status codes, one hour of timestamps, a bot in fifty — the shape the collector writes. Pure but
 * for the random log ids.
 */
import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION } from '../../schemas/columns.ts';
import type { LakeRow } from '../../schemas/lake.ts';
import type { StreamBatch } from '../../stream/contract.ts';
import { EnvelopeKind, encodeEnvelope } from '../../stream/envelope.ts';

const APPS = Array.from({ length: 20 }, (_, i) => `alt_${String(i).padStart(22, 'a')}`);
const MODULES = [null, 'hero', 'nav', 'footer', 'cart'];
const STATUS_CODES = [200, 200, 200, 200, 304, 404, 500, null];
/** The hour every generated timestamp falls in: 2026-11-25T03Z. */
export const hourStart = Date.UTC(2026, 10, 25, 3);

export function makeRow(i: number): LakeRow {
  const ts = new Date(hourStart + ((i * 7919) % 3_600_000)).toISOString();
  return {
    log_id: randomUUID(),
    app_id: APPS[i % APPS.length],
    client_sub_id: i % 3 ? null : `tenant-${i % 7}`,
    module_id: MODULES[i % MODULES.length],
    event_type: i % 10 ? 'pageview' : 'event',
    event_name: i % 10 ? null : 'signup',
    source: 'beacon',
    timestamp: ts,
    received_at: ts,
    url: `https://shop.example.com/products/${i % 5000}?ref=campaign-${i % 13}`,
    referrer: i % 2 ? 'https://www.google.com/' : null,
    user_agent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    client_ip: `203.0.${i % 256}.0`,
    session_id: null,
    visitor_id: (i % 50_000).toString(16).padStart(16, '0'),
    status_code: STATUS_CODES[i % STATUS_CODES.length],
    status: i % 10 ? null : 'SUCCEEDED',
    response_time_ms: (i * 37) % 2000,
    request_id: null,
    metadata: i % 4 ? null : '{"ab":"variant-b","flags":["x","y"]}',
    is_bot: i % 50 === 0,
    schema_version: SCHEMA_VERSION,
    // What the collector writes on every line since schema 2.
    country: i % 9 ? 'DE' : null,
  };
}

/**
 * `total` rows as stream batches of `batch` hits, `perRecord` per envelope record as the collector
 * writes them, and each batch's NDJSON text (what DuckDB's own `read_json` reads for the ceiling).
 */
export function makeLakeBatches(
  total: number,
  batch: number,
  perRecord: number,
): { batches: StreamBatch[]; ndjson: string[] } {
  const batches: StreamBatch[] = [];
  const ndjson: string[] = [];
  let seq = 0;
  for (let start = 0; start < total; start += batch) {
    const records = [];
    let text = '';
    for (let r = start; r < Math.min(total, start + batch); r += perRecord) {
      let rec = '';
      for (let i = r; i < Math.min(total, start + batch, r + perRecord); i++)
        rec += `${JSON.stringify(makeRow(i))}\n`;
      text += rec;
      records.push({
        shardId: 'bench',
        sequenceNumber: String(seq++).padStart(20, '0'),
        arrivedAt: new Date(hourStart + 3_500_000),
        data: encodeEnvelope(EnvelopeKind.LAKE_ROWS, rec),
      });
    }
    batches.push({ shardId: 'bench', records });
    ndjson.push(text);
  }
  return { batches, ndjson };
}

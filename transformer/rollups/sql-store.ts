/**
 * `RollupStore` over `lib/db` `Sql` (real PostgreSQL 15+ and PGlite). Upserts are one multi-row
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE` per batch: one round trip whatever the
 * number of keys. Histograms travel as text (`{1,0,…}`) because unnest flattens 2-D arrays.
 */
import type { Queryable, Sql } from '../../lib/db/sql.ts';
import { ROLLUP_DIMENSIONS } from '../../schemas/columns.ts';
import { HISTOGRAM_CELLS } from '../../schemas/ddl/aurora.ts';
import type { RollupDelta } from '../core/rollup.ts';
import type { BatchRollups, RollupStore } from './store.ts';

const DIM_TYPES: Record<(typeof ROLLUP_DIMENSIONS)[number], string> = {
  client_sub_id: 'text',
  module_id: 'text',
  event_type: 'text',
  source: 'text',
  status_code: 'integer',
  status: 'text',
};

const KEY = ['app_id', 'hour', ...ROLLUP_DIMENSIONS].join(', ');
const COUNTERS = ['hits', 'bot_hits', 'dropped_bots', 'rt_count', 'rt_sum'] as const;
const ARG_TYPES = [
  'text[]',
  'timestamptz[]',
  ...ROLLUP_DIMENSIONS.map((d) => `${DIM_TYPES[d]}[]`),
  ...COUNTERS.map(() => 'bigint[]'),
  'text[]',
];
const UNNEST = `unnest(${ARG_TYPES.map((t, i) => `$${i + 1}::${t}`).join(', ')}) AS u(${KEY}, ${COUNTERS.join(', ')}, h)`;
const SELECT = `SELECT ${KEY}, ${COUNTERS.join(', ')}, h::bigint[] FROM ${UNNEST}`;
const INSERT = `INSERT INTO hits_hourly (${KEY}, ${COUNTERS.join(', ')}, rt_hist)`;

/** Adds the deltas to what is there (batches). */
const ADD_SQL = `${INSERT} ${SELECT}
ON CONFLICT (${KEY}) DO UPDATE SET
  ${COUNTERS.map((c) => `${c} = hits_hourly.${c} + EXCLUDED.${c}`).join(',\n  ')},
  rt_hist = alt_hist_add(hits_hourly.rt_hist, EXCLUDED.rt_hist)`;

/** Sets the lake-derived counters (compaction), leaving dropped_bots alone. */
const SET_SQL = `${INSERT} ${SELECT}
ON CONFLICT (${KEY}) DO UPDATE SET
  ${COUNTERS.filter((c) => c !== 'dropped_bots')
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(',\n  ')},
  rt_hist = EXCLUDED.rt_hist`;

const ZERO_HIST = `array_fill(0::bigint, ARRAY[${HISTOGRAM_CELLS}])`;

function columnsOf(deltas: readonly RollupDelta[], withDropped: boolean): unknown[] {
  return [
    deltas.map((d) => d.app_id),
    deltas.map((d) => d.hour),
    ...ROLLUP_DIMENSIONS.map((k) => deltas.map((d) => d.dims[k])),
    deltas.map((d) => d.hits),
    deltas.map((d) => d.bot_hits),
    deltas.map((d) => (withDropped ? d.dropped_bots : 0)),
    deltas.map((d) => d.rt_count),
    deltas.map((d) => d.rt_sum),
    deltas.map((d) => `{${d.rt_hist.join(',')}}`),
  ];
}

async function ensureMonths(tx: Queryable, hours: Iterable<string>): Promise<void> {
  const months = new Set<string>();
  for (const h of hours) months.add(`${h.slice(0, 7)}-01T00:00:00Z`);
  if (months.size === 0) return;
  await tx.query('SELECT alt_ensure_month(m) FROM unnest($1::timestamptz[]) AS m', [[...months]]);
}

/** Rows per upsert statement: bounded so parameter arrays stay a few MB. */
const CHUNK = 20_000;

export function createSqlRollupStore(db: Sql): RollupStore {
  return {
    async applyBatch(b: BatchRollups) {
      return db.transaction(async (tx) => {
        const ledger = await tx.query(
          `INSERT INTO transform_batches (shard_id, first_seq, last_seq, rows) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [b.shardId, b.firstSeq, b.lastSeq, b.rows],
        );
        if (ledger.rowCount === 0) return 'duplicate' as const;
        await ensureMonths(
          tx,
          b.deltas.map((d) => d.hour),
        );
        for (let i = 0; i < b.deltas.length; i += CHUNK) {
          await tx.query(ADD_SQL, columnsOf(b.deltas.slice(i, i + CHUNK), true));
        }
        return 'applied' as const;
      });
    },
    async replaceHour(hour: Date, deltas: readonly RollupDelta[]) {
      await db.transaction(async (tx) => {
        await ensureMonths(tx, [hour.toISOString()]);
        await tx.query(
          `UPDATE hits_hourly SET hits = 0, bot_hits = 0, rt_count = 0, rt_sum = 0, rt_hist = ${ZERO_HIST}
           WHERE hour = $1`,
          [hour.toISOString()],
        );
        for (let i = 0; i < deltas.length; i += CHUNK) {
          await tx.query(SET_SQL, columnsOf(deltas.slice(i, i + CHUNK), false));
        }
      });
    },
  };
}

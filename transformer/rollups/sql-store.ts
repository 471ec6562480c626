/**
 * `RollupStore` over `lib/db` `Sql` (real PostgreSQL 15+ and PGlite). Upserts are one multi-row
 * `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE` per batch: one round trip whatever the
 * number of keys. Histograms travel as text (`{1,0,…}`) because unnest flattens 2-D arrays.
 */
import type { Queryable, Sql } from '../../lib/db/sql.ts';
import {
  HISTOGRAM_CELLS,
  LAKE_COUNTERS,
  ROLLUP_COUNTERS,
  ROLLUP_DIMENSIONS,
  ROLLUP_HISTOGRAM,
  ROLLUP_KEY,
  ROLLUP_TABLE,
} from '../../schemas/rollups.ts';
import { POSTGRES_TYPE } from '../../schemas/types.ts';
import type { RollupDelta } from '../core/rollup.ts';
import type { BatchRollups, RollupStore } from './store.ts';

const T = ROLLUP_TABLE;
const HIST = ROLLUP_HISTOGRAM.name;
const KEY = ROLLUP_KEY.map((c) => c.name).join(', ');
const COUNTERS = ROLLUP_COUNTERS.map((c) => c.name).join(', ');
const ARG_TYPES = [
  ...ROLLUP_KEY.map((c) => `${POSTGRES_TYPE[c.type]}[]`),
  ...ROLLUP_COUNTERS.map(() => `${POSTGRES_TYPE.int64}[]`),
  'text[]',
];
const UNNEST = `unnest(${ARG_TYPES.map((t, i) => `$${i + 1}::${t}`).join(', ')}) AS u(${KEY}, ${COUNTERS}, h)`;
const SELECT = `SELECT ${KEY}, ${COUNTERS}, h::${POSTGRES_TYPE['int64[]']} FROM ${UNNEST}`;
const INSERT = `INSERT INTO ${T} (${KEY}, ${COUNTERS}, ${HIST})`;

/** Adds the deltas to what is there (batches). */
const ADD_SQL = `${INSERT} ${SELECT}
ON CONFLICT (${KEY}) DO UPDATE SET
  ${ROLLUP_COUNTERS.map((c) => `${c.name} = ${T}.${c.name} + EXCLUDED.${c.name}`).join(',\n  ')},
  ${HIST} = alt_hist_add(${T}.${HIST}, EXCLUDED.${HIST})`;

/** Sets the lake-derived counters (compaction), leaving the others (dropped_bots) alone. */
const SET_SQL = `${INSERT} ${SELECT}
ON CONFLICT (${KEY}) DO UPDATE SET
  ${LAKE_COUNTERS.map((c) => `${c.name} = EXCLUDED.${c.name}`).join(',\n  ')},
  ${HIST} = EXCLUDED.${HIST}`;

/** The two upserts, for the test that they name the table's columns in the DDL's order. */
export const UPSERT_SQL = { add: ADD_SQL, set: SET_SQL } as const;

const ZERO_HIST = `array_fill(0::bigint, ARRAY[${HISTOGRAM_CELLS}])`;

/** Compaction zeroes an hour's lake-derived measures before setting the keys the lake still has. */
const RESET_HOUR_SQL = `UPDATE ${T} SET ${LAKE_COUNTERS.map((c) => `${c.name} = 0`).join(', ')}, ${HIST} = ${ZERO_HIST}
WHERE hour = $1`;

/**
 * One parameter array per unnest column. `all`: every counter; otherwise the counters compaction
 * keeps (no lake aggregate) go as 0, which only a key new to the table takes.
 */
function columnsOf(deltas: readonly RollupDelta[], all: boolean): unknown[] {
  return [
    deltas.map((d) => d.app_id),
    deltas.map((d) => d.hour),
    ...ROLLUP_DIMENSIONS.map((k) => deltas.map((d) => d.dims[k])),
    ...ROLLUP_COUNTERS.map((c) => deltas.map((d) => (all || c.lake !== null ? d[c.name] : 0))),
    deltas.map((d) => `{${d[HIST].join(',')}}`),
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
        await tx.query(RESET_HOUR_SQL, [hour.toISOString()]);
        for (let i = 0; i < deltas.length; i += CHUNK) {
          await tx.query(SET_SQL, columnsOf(deltas.slice(i, i + CHUNK), false));
        }
      });
    },
  };
}

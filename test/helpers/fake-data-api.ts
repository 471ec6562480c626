/**
 * The RDS Data API at the SDK boundary (aws-sdk-client-mock) over a real PostgreSQL schema: each
 * ExecuteStatement's `:name` parameters become `$n` with the types the service gives them (a
 * `stringValue` is `varchar` unless hinted, a `longValue` int8, …; an `arrayValue` is refused as
 * the service refuses it), and rows come back as the service returns them: `records` of `Field`
 * unions, `columnMetadata` with PostgreSQL type names, timestamptz as UTC text without a zone,
 * `numberOfRecordsUpdated` for DML. Written apart from lib/db/data-api.ts so it can catch it.
 */
import { randomUUID } from 'node:crypto';
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  type ExecuteStatementCommandOutput,
  type Field,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import pg from 'pg';
import { migrate } from '../../lib/db/migrate.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { createTestSchema, databaseUrl } from './postgres.ts';

const RAW = new Set([20, 114, 1082, 1114, 1184, 1700, 3802]);

const HINT_TYPES: Record<string, string> = {
  TIMESTAMP: 'timestamp',
  DATE: 'date',
  TIME: 'time',
  JSON: 'json',
  DECIMAL: 'numeric',
  UUID: 'uuid',
};

function serviceError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** Replaces `:name` outside '…' literals (and not `::casts`) with `$n`, typed as the service types it. */
function bind(input: ExecuteStatementCommandInput): { text: string; values: unknown[] } {
  const byName = new Map((input.parameters ?? []).map((p) => [p.name ?? '', p]));
  const values: unknown[] = [];
  const index = new Map<string, number>();
  const parts = (input.sql ?? '').split(/('(?:[^']|'')*')/);
  const text = parts
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(/(?<![:\w]):([A-Za-z_]\w*)/g, (_, name: string) => {
            const p = byName.get(name);
            if (!p) throw serviceError('BadRequestException', `no parameter named ${name}`);
            let n = index.get(name);
            if (n === undefined) {
              const v = p.value as Field;
              if (v.arrayValue)
                throw serviceError('BadRequestException', 'Array parameters are not supported.');
              values.push(
                v.isNull
                  ? null
                  : (v.stringValue ??
                      v.longValue ??
                      v.doubleValue ??
                      v.booleanValue ??
                      Buffer.from(v.blobValue!)),
              );
              n = values.length;
              index.set(name, n);
            }
            const v = p.value as Field;
            const type = v.isNull
              ? ''
              : v.stringValue !== undefined
                ? p.typeHint
                  ? HINT_TYPES[p.typeHint]
                  : 'varchar'
                : v.longValue !== undefined
                  ? 'int8'
                  : v.doubleValue !== undefined
                    ? 'float8'
                    : v.booleanValue !== undefined
                      ? 'bool'
                      : 'bytea';
            return type ? `$${n}::${type}` : `$${n}`;
          }),
    )
    .join('');
  return { text, values };
}

function toField(v: unknown, typeName: string): Field {
  if (v === null || v === undefined) return { isNull: true };
  if (typeName.startsWith('_')) {
    const a = v as unknown[];
    if (['_int2', '_int4', '_int8'].includes(typeName)) return { arrayValue: { longValues: a.map(Number) } };
    if (['_float4', '_float8'].includes(typeName)) return { arrayValue: { doubleValues: a as number[] } };
    if (typeName === '_bool') return { arrayValue: { booleanValues: a as boolean[] } };
    return { arrayValue: { stringValues: a.map((x) => (x === null ? null : String(x))) } };
  }
  switch (typeName) {
    case 'bool':
      return { booleanValue: v as boolean };
    case 'int2':
    case 'int4':
    case 'int8':
      return { longValue: Number(v) };
    case 'float4':
    case 'float8':
      return { doubleValue: v as number };
    case 'bytea':
      return { blobValue: v as Uint8Array };
    case 'timestamptz':
      // The session is UTC: drop pg's "+00" as the service gives the instant without a zone.
      return { stringValue: String(v).replace(/[+-]00$/, '') };
    default:
      return { stringValue: String(v) };
  }
}

export interface FakeDataApi {
  client: RDSDataClient;
  /** Every ExecuteStatement input, in order. */
  calls: ExecuteStatementCommandInput[];
  close(): Promise<void>;
}

export function fakeDataApi(opts: { databaseUrl: string; schema: string; resourceArn: string }): FakeDataApi {
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: 4,
    options: `-c search_path=${opts.schema} -c TimeZone=UTC`,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        RAW.has(oid)
          ? (x: string) => x
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const typeNames = new Map<number, string>();
  const transactions = new Map<string, pg.PoolClient>();
  const calls: ExecuteStatementCommandInput[] = [];
  const mock = mockClient(RDSDataClient);

  const checkTarget = (i: { resourceArn?: string; secretArn?: string }) => {
    if (i.resourceArn !== opts.resourceArn)
      throw serviceError('BadRequestException', `no cluster ${i.resourceArn} with the HTTP endpoint enabled`);
    if (!i.secretArn) throw serviceError('BadRequestException', 'secretArn is required');
  };

  mock.on(ExecuteStatementCommand).callsFake(async (input: ExecuteStatementCommandInput) => {
    calls.push(input);
    checkTarget(input);
    const { text, values } = bind(input);
    const runner = input.transactionId ? transactions.get(input.transactionId) : pool;
    if (!runner) throw serviceError('TransactionNotFoundException', `no transaction ${input.transactionId}`);
    let r: pg.QueryResult;
    try {
      r = await runner.query({ text, values, rowMode: 'array' });
    } catch (err) {
      throw serviceError('DatabaseErrorException', `ERROR: ${(err as Error).message}`);
    }
    const missing = (r.fields ?? []).map((f) => f.dataTypeID).filter((oid) => !typeNames.has(oid));
    if (missing.length) {
      const t = await pool.query<{ oid: number; typname: string }>(
        'SELECT oid::int AS oid, typname FROM pg_type WHERE oid = ANY($1::oid[])',
        [missing],
      );
      for (const row of t.rows) typeNames.set(row.oid, row.typname);
    }
    const types = (r.fields ?? []).map((f) => typeNames.get(f.dataTypeID) ?? 'unknown');
    const dml = ['INSERT', 'UPDATE', 'DELETE'].includes(r.command);
    const out: Partial<ExecuteStatementCommandOutput> = {
      numberOfRecordsUpdated: dml ? (r.rowCount ?? 0) : 0,
      records: r.fields?.length
        ? (r.rows as unknown[][]).map((row) => row.map((v, i) => toField(v, types[i])))
        : undefined,
      columnMetadata:
        input.includeResultMetadata && r.fields?.length
          ? r.fields.map((f, i) => ({ name: f.name, label: f.name, typeName: types[i] }))
          : undefined,
    };
    return out;
  });
  mock.on(BeginTransactionCommand).callsFake(async (input) => {
    checkTarget(input);
    const c = await pool.connect();
    await c.query('BEGIN');
    const transactionId = randomUUID();
    transactions.set(transactionId, c);
    return { transactionId };
  });
  const end =
    (sql: string) => async (input: { transactionId?: string; resourceArn?: string; secretArn?: string }) => {
      checkTarget(input);
      const c = transactions.get(input.transactionId ?? '');
      if (!c) throw serviceError('TransactionNotFoundException', `no transaction ${input.transactionId}`);
      transactions.delete(input.transactionId!);
      try {
        await c.query(sql);
      } finally {
        c.release();
      }
      return { transactionStatus: sql === 'COMMIT' ? 'Transaction Committed' : 'Rollback Complete' };
    };
  mock.on(CommitTransactionCommand).callsFake(end('COMMIT'));
  mock.on(RollbackTransactionCommand).callsFake(end('ROLLBACK'));

  return {
    client: new RDSDataClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    }),
    calls,
    async close() {
      mock.restore();
      for (const c of transactions.values()) c.release();
      await pool.end();
    },
  };
}

/**
 * A migrated schema of its own on the test PostgreSQL (`DATABASE_URL`) with a fake Data API over it:
 * `direct` is the plain connection the answers are compared with; `close` drops both.
 */
export async function migratedFakeDataApi(
  resourceArn: string,
): Promise<{ direct: Sql; fake: FakeDataApi; close(): Promise<void> }> {
  const url = databaseUrl;
  if (!url) throw new Error('migratedFakeDataApi needs DATABASE_URL');
  const t = await createTestSchema();
  await migrate(t.db);
  const fake = fakeDataApi({ databaseUrl: url, schema: t.schema, resourceArn });
  return {
    direct: t.db,
    fake,
    async close() {
      await fake.close();
      await t.drop();
    },
  };
}

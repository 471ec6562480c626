/**
 * `Queryable` over the RDS Data API (`@aws-sdk/client-rds-data`): SQL over HTTPS, authorised by
 * IAM and a Secrets Manager secret, so `alt console --stack` reaches Aurora from an operator's
 * machine without a route into the VPC. Callers keep writing pg-style SQL (`$1..$n`, JS arrays,
 * Dates); this module translates it and gives rows back with pg's semantics where they matter
 * (timestamps as ISO strings, arrays as arrays, json parsed, NULL as null).
 *
 * What the Data API does and does not take, and why the translation is as it is:
 * - Parameters are named (`:name`) `SqlParameter`s whose value is a `Field` union; strings may
 *   carry a `typeHint` (DATE, DECIMAL, JSON, TIME, TIMESTAMP, UUID)
 *   (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_SqlParameter.html).
 * - `arrayValue` exists in the `Field` union but is refused as a parameter
 *   (https://github.com/aws/aws-sdk/issues/9): an array goes as its PostgreSQL text form
 *   (`{"a","b"}`) with an explicit cast in the SQL (`CAST(:p3 AS text[])`).
 * - A string parameter reaches PostgreSQL typed `varchar` (no implicit cast into text[],
 *   timestamptz, …), so Dates are sent as ISO strings cast to timestamptz in the SQL, which keeps
 *   their offset; the TIMESTAMP hint takes `YYYY-MM-DD HH:MM:SS[.FFF]` and no zone.
 * - Results come as `records` of `Field`s with `columnMetadata` when `includeResultMetadata` is
 *   set; `formatRecordsAs: 'JSON'` would drop the column types, and a timestamptz comes back as
 *   `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC without a zone, which `new Date()` reads as local time
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api-json.html lists the
 *   mapping; the types come from the column metadata here instead).
 * - `numberOfRecordsUpdated` counts the rows a DML statement changed
 *   (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_ExecuteStatement.html).
 * - A Serverless v2 cluster paused at 0 ACU answers `DatabaseResumingException` while it wakes
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html):
 *   retried with backoff for up to `resumeTimeoutMs`.
 */
import {
  type ArrayValue,
  BeginTransactionCommand,
  type ColumnMetadata,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type Field,
  type RDSDataClient,
  RollbackTransactionCommand,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import type { Queryable, QueryResult } from './sql.ts';

export interface DataApiOptions {
  client: RDSDataClient;
  /** The Aurora cluster's ARN (`resourceArn`). */
  resourceArn: string;
  /** A Secrets Manager secret with the database user's name and password. */
  secretArn: string;
  database: string;
  /** How long to keep retrying while a paused Serverless v2 cluster resumes (default 60 s). */
  resumeTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** One segment of SQL text: code (where `$n` and `;` mean something) or a literal/comment. */
interface Segment {
  code: boolean;
  text: string;
}

/**
 * Splits SQL into code and the parts where `$1` or `;` are just characters: '…' (with '' and,
 * after E, backslash escapes), "…" identifiers, -- and nested /* *\/ comments, $tag$…$tag$.
 */
export function scanSql(sql: string): Segment[] {
  const out: Segment[] = [];
  let code = '';
  let i = 0;
  const flush = () => {
    if (code) out.push({ code: true, text: code });
    code = '';
  };
  const take = (end: number) => {
    flush();
    out.push({ code: false, text: sql.slice(i, end) });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'") {
      const escapes = /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      take(Math.min(j + 1, sql.length));
    } else if (c === '"') {
      const j = sql.indexOf('"', i + 1);
      take(j < 0 ? sql.length : j + 1);
    } else if (c === '-' && next === '-') {
      const j = sql.indexOf('\n', i);
      take(j < 0 ? sql.length : j);
    } else if (c === '/' && next === '*') {
      let depth = 0;
      let j = i;
      do {
        const open = sql.startsWith('/*', j);
        if (open || sql.startsWith('*/', j)) {
          depth += open ? 1 : -1;
          j += 2;
        } else j++;
      } while (depth > 0 && j < sql.length);
      take(j);
    } else if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][\w]*)?\$/.exec(sql.slice(i));
      if (!tag) {
        code += c;
        i++;
        continue;
      }
      const j = sql.indexOf(tag[0], i + tag[0].length);
      take(j < 0 ? sql.length : j + tag[0].length);
    } else {
      code += c;
      i++;
    }
  }
  flush();
  return out;
}

/** Splits on top-level `;` (not inside literals, comments or function bodies); drops empty statements. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  for (const s of scanSql(sql)) {
    if (!s.code) {
      current += s.text;
      continue;
    }
    const parts = s.text.split(';');
    current += parts[0];
    for (const p of parts.slice(1)) {
      statements.push(current);
      current = p;
    }
  }
  statements.push(current);
  return statements.map((s) => s.trim()).filter((s) => s.replace(/--[^\n]*/g, '').trim() !== '');
}

/** PostgreSQL's array literal for a JS array: every element quoted, so commas and braces stay data. */
export function arrayLiteral(values: unknown[]): string {
  const el = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return arrayLiteral(v);
    const s = v instanceof Date ? v.toISOString() : String(v);
    return `"${s.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
  };
  return `{${values.map(el).join(',')}}`;
}

/** The element type an array parameter is cast to: text unless every element is a number or a boolean. */
function arrayType(values: unknown[]): string {
  const flat = values.flat(Number.POSITIVE_INFINITY).filter((v) => v !== null && v !== undefined);
  if (flat.length > 0 && flat.every((v) => typeof v === 'number' || typeof v === 'bigint'))
    return flat.every((v) => typeof v === 'bigint' || Number.isInteger(v)) ? 'bigint[]' : 'float8[]';
  if (flat.length > 0 && flat.every((v) => typeof v === 'boolean')) return 'boolean[]';
  return 'text[]';
}

/** A JS value as a Data API parameter, and the SQL that stands for it (with a cast when needed). */
function toParameter(name: string, v: unknown): { param: SqlParameter; sql: string } {
  const plain = `:${name}`;
  if (v === null || v === undefined) return { param: { name, value: { isNull: true } }, sql: plain };
  if (Array.isArray(v))
    return {
      param: { name, value: { stringValue: arrayLiteral(v) } },
      sql: `CAST(${plain} AS ${arrayType(v)})`,
    };
  if (v instanceof Date)
    return { param: { name, value: { stringValue: v.toISOString() } }, sql: `CAST(${plain} AS timestamptz)` };
  if (v instanceof Uint8Array) return { param: { name, value: { blobValue: v } }, sql: plain };
  switch (typeof v) {
    case 'string':
      return { param: { name, value: { stringValue: v } }, sql: plain };
    case 'boolean':
      return { param: { name, value: { booleanValue: v } }, sql: plain };
    case 'bigint':
      return { param: { name, value: { stringValue: v.toString() }, typeHint: 'DECIMAL' }, sql: plain };
    case 'number':
      return {
        param: { name, value: Number.isSafeInteger(v) ? { longValue: v } : { doubleValue: v } },
        sql: plain,
      };
    case 'object':
      return { param: { name, value: { stringValue: JSON.stringify(v) }, typeHint: 'JSON' }, sql: plain };
    default:
      throw new TypeError(`cannot send a ${typeof v} to the Data API`);
  }
}

/** `$1..$n` → `:p1..:pn` (outside literals and comments), with the parameters they name. */
export function translate(sql: string, params: unknown[] = []): { sql: string; parameters: SqlParameter[] } {
  const used = new Map<number, { param: SqlParameter; sql: string }>();
  const text = scanSql(sql)
    .map((s) =>
      s.code
        ? s.text.replace(/\$(\d+)/g, (_, d: string) => {
            const n = Number(d);
            if (n < 1 || n > params.length)
              throw new Error(`$${n} in the SQL but ${params.length} parameter(s) given`);
            let p = used.get(n);
            if (!p) {
              p = toParameter(`p${n}`, params[n - 1]);
              used.set(n, p);
            }
            return p.sql;
          })
        : s.text,
    )
    .join('');
  return { sql: text, parameters: [...used.values()].map((p) => p.param) };
}

function arrayValueOf(a: ArrayValue | undefined): unknown[] {
  if (!a) return [];
  if (a.stringValues) return a.stringValues;
  if (a.longValues) return a.longValues;
  if (a.doubleValues) return a.doubleValues;
  if (a.booleanValues) return a.booleanValues;
  if (a.arrayValues) return a.arrayValues.map((x) => (x === null ? null : arrayValueOf(x)));
  return [];
}

/** `2026-12-06 10:25:00[.123456]` (UTC, as the Data API gives timestamptz) → ISO 8601 with Z. */
export function utcTimestamp(s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(s);
  if (!m) return s;
  const ms = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  const zone = m[4] && m[4] !== 'Z' ? m[4] : '';
  if (zone) return new Date(`${m[1]}T${m[2]}.${ms}${zone.length === 3 ? `${zone}:00` : zone}`).toISOString();
  return `${m[1]}T${m[2]}.${ms}Z`;
}

const TIMESTAMP_TYPES = new Set(['timestamptz', 'timestamp']);
const JSON_TYPES = new Set(['json', 'jsonb']);

function fromField(f: Field | undefined, column: ColumnMetadata | undefined): unknown {
  if (!f || f.isNull) return null;
  const type = column?.typeName?.toLowerCase() ?? '';
  if (f.stringValue !== undefined) {
    if (TIMESTAMP_TYPES.has(type)) return utcTimestamp(f.stringValue);
    if (JSON_TYPES.has(type)) return JSON.parse(f.stringValue);
    return f.stringValue;
  }
  if (f.longValue !== undefined) return f.longValue;
  if (f.doubleValue !== undefined) return f.doubleValue;
  if (f.booleanValue !== undefined) return f.booleanValue;
  if (f.blobValue !== undefined) return Buffer.from(f.blobValue);
  if (f.arrayValue !== undefined) {
    const values = arrayValueOf(f.arrayValue);
    return type === '_timestamptz' || type === '_timestamp'
      ? values.map((v) => (typeof v === 'string' ? utcTimestamp(v) : v))
      : values;
  }
  return null;
}

const isResuming = (err: unknown) => err instanceof Error && err.name === 'DatabaseResumingException';

export interface DataApiQueryable extends Queryable {
  /** Runs `fn` in one Data API transaction (BeginTransaction … Commit/Rollback). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export function createDataApiQueryable(opts: DataApiOptions): DataApiQueryable {
  const { client, resourceArn, secretArn, database } = opts;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const resumeTimeoutMs = opts.resumeTimeoutMs ?? 60_000;

  async function send<T>(call: () => Promise<T>): Promise<T> {
    let waited = 0;
    let delay = 1_000;
    for (;;) {
      try {
        return await call();
      } catch (err) {
        if (!isResuming(err) || waited >= resumeTimeoutMs) throw err;
        await sleep(delay);
        waited += delay;
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  async function run<R>(sql: string, params: unknown[] | undefined, transactionId?: string) {
    const t = translate(sql, params);
    const out = await send(() =>
      client.send(
        new ExecuteStatementCommand({
          resourceArn,
          secretArn,
          database,
          sql: t.sql,
          parameters: t.parameters.length ? t.parameters : undefined,
          includeResultMetadata: true,
          transactionId,
        }),
      ),
    );
    const columns = out.columnMetadata ?? [];
    const rows = (out.records ?? []).map((record) => {
      const row: Record<string, unknown> = {};
      columns.forEach((c, i) => {
        row[c.label ?? c.name ?? `column${i}`] = fromField(record[i], c);
      });
      return row as R;
    });
    return { rows, rowCount: Math.max(rows.length, out.numberOfRecordsUpdated ?? 0) } as QueryResult<R>;
  }

  const over = (transactionId?: string): Queryable => ({
    query: (sql, params) => run(sql, params, transactionId),
    async exec(sql) {
      for (const statement of splitStatements(sql)) await run(statement, [], transactionId);
    },
  });

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const begun = await send(() =>
      client.send(new BeginTransactionCommand({ resourceArn, secretArn, database })),
    );
    const transactionId = begun.transactionId;
    if (!transactionId) throw new Error('Data API BeginTransaction returned no transactionId');
    try {
      const result = await fn(over(transactionId));
      await client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId }));
      return result;
    } catch (err) {
      await client
        .send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId }))
        .catch(() => undefined);
      throw err;
    }
  }

  const plain = over();
  return {
    query: plain.query,
    // Several statements as one unit: a failing one leaves none of the others applied.
    exec: (sql) => transaction((tx) => tx.exec(sql)),
    transaction,
  };
}

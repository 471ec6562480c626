/**
 * The remote `QueryEngine`: Athena through `@aws-sdk/client-athena`. Starts the query in the
 * workgroup (which enforces the result location, encryption and the bytes-scanned cutoff),
 * polls with exponential backoff, pages through the results and reports bytes scanned and cost.
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  type StartQueryExecutionCommandOutput,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { athenaCostUsd } from './athena-cost.ts';
import type { QueryEngine, QueryResult, QueryValue } from './engine.ts';

export interface AthenaEngineOptions {
  client: AthenaClient;
  workgroup: string;
  database: string;
  catalog?: string;
  /** Only when the workgroup does not enforce its own result location. */
  outputLocation?: string;
  /** Poll backoff: first wait, cap, growth factor. */
  poll?: { initialMs?: number; maxMs?: number; factor?: number };
  /** Gives up (and stops the query) after this long; default 30 min. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class AthenaQueryError extends Error {
  constructor(
    readonly queryId: string,
    readonly state: string,
    readonly reason: string | undefined,
  ) {
    super(`Athena query ${queryId} ${state}${reason ? `: ${reason}` : ''}`);
    this.name = 'AthenaQueryError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Athena returns every value as text; give numbers and booleans back their type. */
export function parseAthenaValue(text: string | undefined, type: string): QueryValue {
  if (text === undefined) return null;
  switch (type.toLowerCase().replace(/\(.*$/, '')) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
    case 'bigint': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'double':
    case 'real':
    case 'float':
    case 'decimal':
      return Number(text);
    case 'boolean':
      return text === 'true';
    default:
      return text;
  }
}

/**
 * The SDK's own words ("Could not load credentials from any providers") do not say what to set:
 * name the usual ways, as the AWS CLI's docs do.
 */
export function explainCredentials(err: unknown, service = 'Athena'): unknown {
  if (!(err instanceof Error) || err.name !== 'CredentialsProviderError') return err;
  return new Error(
    `no AWS credentials found for ${service}: set AWS_PROFILE` +
      ' (after `aws configure` or `aws sso login`), ' +
      'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), ' +
      "and AWS_REGION to the stack's region" +
      ` (${err.message})`,
    { cause: err },
  );
}

export function createAthenaEngine(opts: AthenaEngineOptions): QueryEngine {
  const sleep = opts.sleep ?? defaultSleep;
  const initialMs = opts.poll?.initialMs ?? 250;
  const maxMs = opts.poll?.maxMs ?? 5_000;
  const factor = opts.poll?.factor ?? 1.6;
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;

  async function waitFor(queryId: string): Promise<QueryExecution> {
    const started = Date.now();
    let wait = initialMs;
    for (;;) {
      const { QueryExecution: qe } = await opts.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: queryId }),
      );
      const state = qe?.Status?.State;
      if (state === 'SUCCEEDED') return qe as QueryExecution;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new AthenaQueryError(queryId, state, qe?.Status?.StateChangeReason);
      }
      if (Date.now() - started > timeoutMs) {
        await opts.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId })).catch(() => {});
        throw new AthenaQueryError(
          queryId,
          'TIMED_OUT',
          `still ${state ?? 'unknown'} after ${timeoutMs} ms; stopped`,
        );
      }
      await sleep(wait);
      wait = Math.min(maxMs, Math.round(wait * factor));
    }
  }

  return {
    async run(sql): Promise<QueryResult> {
      const started = performance.now();
      let start: StartQueryExecutionCommandOutput;
      try {
        start = await opts.client.send(
          new StartQueryExecutionCommand({
            QueryString: sql,
            WorkGroup: opts.workgroup,
            QueryExecutionContext: { Database: opts.database, Catalog: opts.catalog },
            ResultConfiguration: opts.outputLocation ? { OutputLocation: opts.outputLocation } : undefined,
          }),
        );
      } catch (err) {
        throw explainCredentials(err);
      }
      const queryId = start.QueryExecutionId;
      if (!queryId) throw new Error('Athena StartQueryExecution returned no QueryExecutionId');
      const qe = await waitFor(queryId);

      let columns: QueryResult['columns'] = [];
      const rows: QueryValue[][] = [];
      let token: string | undefined;
      let first = true;
      do {
        const page = await opts.client.send(
          new GetQueryResultsCommand({ QueryExecutionId: queryId, NextToken: token }),
        );
        if (first) {
          columns = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => ({
            name: c.Name ?? c.Label ?? '',
            type: c.Type ?? 'varchar',
          }));
        }
        const data = page.ResultSet?.Rows ?? [];
        // SELECT results start with a header row holding the column names, on the first page only.
        const skip = first && qe.StatementType === 'DML' ? 1 : 0;
        for (const row of data.slice(skip)) {
          rows.push(columns.map((c, i) => parseAthenaValue(row.Data?.[i]?.VarCharValue, c.type)));
        }
        token = page.NextToken;
        first = false;
      } while (token);

      const bytesScanned = qe.Statistics?.DataScannedInBytes ?? 0;
      return {
        columns,
        rows,
        stats: {
          engine: 'athena',
          elapsedMs: performance.now() - started,
          queryId,
          bytesScanned,
          costUsd: athenaCostUsd(bytesScanned, qe.StatementType),
        },
      };
    },
    async close() {
      opts.client.destroy();
    },
  };
}

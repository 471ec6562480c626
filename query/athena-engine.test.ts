import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { athenaCostUsd, billedBytes, MIN_BILLED_BYTES } from './athena-cost.ts';
import { AthenaQueryError, createAthenaEngine } from './athena-engine.ts';
import { rowObjects } from './engine.ts';

const athena = mockClient(AthenaClient);
afterEach(() => athena.reset());

const cell = (v?: string) => (v === undefined ? {} : { VarCharValue: v });
const row = (...vs: (string | undefined)[]) => ({ Data: vs.map(cell) });
const meta = {
  ColumnInfo: [
    { Name: 'app_id', Type: 'varchar' },
    { Name: 'hits', Type: 'bigint' },
    { Name: 'p95', Type: 'double' },
    { Name: 'is_bot', Type: 'boolean' },
  ],
};

function engine(sleeps: number[] = []) {
  return createAthenaEngine({
    client: new AthenaClient({ region: 'us-east-1' }),
    workgroup: 'alt-analysts',
    database: 'alt',
    poll: { initialMs: 100, maxMs: 400, factor: 2 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
}

describe('Athena engine', () => {
  it('starts in the workgroup, polls with backoff, pages results and skips the header once', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({
        QueryExecution: {
          Status: { State: 'SUCCEEDED' },
          StatementType: 'DML',
          Statistics: { DataScannedInBytes: 3 * 2 ** 30 },
        },
      });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: meta,
          Rows: [row('app_id', 'hits', 'p95', 'is_bot'), row('a', '10', '1.5', 'false')],
        },
        NextToken: 'page-2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row('b', '3', undefined, 'true')] } });

    const sleeps: number[] = [];
    const r = await engine(sleeps).run('SELECT 1');
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input).toEqual({
      QueryString: 'SELECT 1',
      WorkGroup: 'alt-analysts',
      QueryExecutionContext: { Database: 'alt', Catalog: undefined },
      ResultConfiguration: undefined,
    });
    expect(sleeps).toEqual([100, 200, 400, 400]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
    expect(r.columns.map((c) => c.name)).toEqual(['app_id', 'hits', 'p95', 'is_bot']);
    expect(rowObjects(r)).toEqual([
      { app_id: 'a', hits: 10, p95: 1.5, is_bot: false },
      { app_id: 'b', hits: 3, p95: null, is_bot: true },
    ]);
    expect(r.stats).toMatchObject({ engine: 'athena', queryId: 'q-1', bytesScanned: 3 * 2 ** 30 });
    expect(r.stats.costUsd).toBeCloseTo((3 / 1024) * 5, 10);
  });

  it('fails with the state-change reason when the query fails', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
        },
      },
    });
    const err = await engine()
      .run('SELECT nope FROM hits')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AthenaQueryError);
    expect((err as Error).message).toBe(
      "Athena query q-2 FAILED: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
    );
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('says which variables to set when the SDK finds no credentials', async () => {
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    athena.on(StartQueryExecutionCommand).rejects(noCredentials);
    await expect(engine().run('SELECT 1')).rejects.toThrow(
      /no AWS credentials found for Athena: set AWS_PROFILE .* AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*AWS_REGION/,
    );
  });

  it('reports a cancelled query as such', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' } },
    });
    await expect(engine().run('SELECT 1')).rejects.toThrow(
      'Athena query q-3 CANCELLED: Query cancelled by user',
    );
  });

  it('stops a query that outlives its timeout', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-4' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const e = createAthenaEngine({
      client: new AthenaClient({ region: 'us-east-1' }),
      workgroup: 'w',
      database: 'd',
      timeoutMs: 0,
      sleep: async () => {},
    });
    await expect(e.run('SELECT 1')).rejects.toThrow(/q-4 TIMED_OUT/);
    expect(athena.commandCalls(StopQueryExecutionCommand)[0].args[0].input).toEqual({
      QueryExecutionId: 'q-4',
    });
  });

  it('keeps the first row of DDL/utility results (no header there)', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-5' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: { State: 'SUCCEEDED' },
        StatementType: 'DDL',
        Statistics: { DataScannedInBytes: 0 },
      },
    });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'tab_name', Type: 'string' }] },
        Rows: [row('hits')],
      },
    });
    const r = await engine().run('SHOW TABLES');
    expect(r.rows).toEqual([['hits']]);
    expect(r.stats.costUsd).toBe(0);
  });
});

describe('Athena cost', () => {
  it('bills at least 10 MB and rounds up to the MB; DDL is free', () => {
    expect(billedBytes(0, 'DML')).toBe(MIN_BILLED_BYTES);
    expect(billedBytes(10 * 2 ** 20 + 1, 'DML')).toBe(11 * 2 ** 20);
    expect(athenaCostUsd(2 ** 40, 'DML')).toBe(5);
    expect(athenaCostUsd(123, 'DDL')).toBe(0);
  });
});

/**
 * Per-component database roles (migration 0003): what the collector's and the transformer's roles
 * may and may not do, on PGlite and PostgreSQL 15, through the components' own stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlRegistry } from '../../collector/registry/sql-registry.ts';
import { createSqlSaltStore } from '../../collector/salts.ts';
import { COMPONENT_ROLES } from '../../schemas/ddl/aurora.ts';
import { asRole } from '../../test/helpers/as-role.ts';
import { databaseBackends } from '../../test/helpers/databases.ts';
import { computeDeltas } from '../../transformer/core/rollup.ts';
import { createSqlRollupStore } from '../../transformer/rollups/sql-store.ts';
import { makeRow } from '../../transformer/testing/fixtures.ts';
import { assertMigrated } from './migrate.ts';
import type { Sql } from './sql.ts';

const denied = { code: '42501' }; // insufficient_privilege

describe.each(databaseBackends())('component roles on %s', (_name, available, open) => {
  let db: Sql;
  let done: () => Promise<void>;
  let collector: Sql;
  let transformer: Sql;
  let appId: string;
  beforeAll(async () => {
    if (!available) return;
    ({ db, done } = await open());
    collector = asRole(db, COMPONENT_ROLES.collector);
    transformer = asRole(db, COMPONENT_ROLES.transformer);
    appId = (await createSqlRegistry(db).create({ name: 'site', origins: ['https://a.example'] })).app.appId;
  });
  afterAll(async () => done?.());

  it.runIf(available)('roles log in without a password and own nothing', async () => {
    const roles = await db.query<{ rolname: string; rolcanlogin: boolean; rolsuper: boolean; pw: boolean }>(
      `SELECT rolname, rolcanlogin, rolsuper, rolpassword IS NOT NULL AS pw FROM pg_authid
       WHERE rolname = ANY($1) ORDER BY 1`,
      [Object.values(COMPONENT_ROLES)],
    );
    expect(roles.rows).toEqual([
      { rolname: 'alt_collector', rolcanlogin: true, rolsuper: false, pw: false },
      { rolname: 'alt_transformer', rolcanlogin: true, rolsuper: false, pw: false },
    ]);
  });

  it.runIf(available)('the collector reads the registry and keeps the salts, and nothing else', async () => {
    const registry = createSqlRegistry(collector);
    expect((await registry.get(appId))?.name).toBe('site');
    const salts = createSqlSaltStore(collector);
    expect(await salts.saltFor(new Date('2026-03-01T10:00:00Z'))).toHaveLength(32);
    // Rotation deletes old salts: the collector may delete them.
    await createSqlSaltStore(collector).saltFor(new Date('2026-03-05T10:00:00Z'));
    await expect(assertMigrated(collector)).resolves.toBeUndefined();

    await expect(registry.create({ name: 'intruder' })).rejects.toMatchObject(denied);
    await expect(collector.query("UPDATE applications SET name = 'x'")).rejects.toMatchObject(denied);
    await expect(collector.query('SELECT count(*) FROM hits_hourly')).rejects.toMatchObject(denied);
    await expect(collector.query('SELECT count(*) FROM transform_batches')).rejects.toMatchObject(denied);
    await expect(
      createSqlRollupStore(collector).applyBatch({
        shardId: 's',
        firstSeq: '1',
        lastSeq: '1',
        rows: 1,
        deltas: computeDeltas([makeRow({ app_id: appId })], []),
      }),
    ).rejects.toMatchObject(denied);
    await expect(collector.query('ALTER TABLE applications ADD COLUMN x int')).rejects.toMatchObject({
      code: '42501',
    });
    await expect(collector.query('CREATE TABLE stash (x int)')).rejects.toMatchObject(denied);
    await expect(collector.query("SELECT alt_ensure_month('2040-01-01')")).rejects.toMatchObject(denied);
  });

  it.runIf(available)(
    'the transformer upserts rollups and the ledger, creating a month partition on demand',
    async () => {
      const store = createSqlRollupStore(transformer);
      // A month no migration created: the partition comes from alt_ensure_month, run as its owner.
      const ts = '2033-05-06T07:08:09Z';
      const deltas = computeDeltas([makeRow({ app_id: appId, timestamp: ts })], []);
      const batch = { shardId: 'shard-1', firstSeq: '10', lastSeq: '20', rows: 1, deltas };
      expect(await store.applyBatch(batch)).toBe('applied');
      expect(await store.applyBatch(batch)).toBe('duplicate');
      await store.replaceHour(new Date('2033-05-06T07:00:00Z'), deltas);
      const hits = await db.query<{ hits: number }>(
        'SELECT sum(hits)::int AS hits FROM hits_hourly WHERE hour = $1',
        ['2033-05-06T07:00:00Z'],
      );
      expect(hits.rows[0].hits).toBe(1);
      const part = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'hits_hourly_203305' AND relnamespace = current_schema()::regnamespace",
      );
      expect(part.rows[0].n).toBe(1);
      await expect(assertMigrated(transformer)).resolves.toBeUndefined();

      await expect(createSqlRegistry(transformer).create({ name: 'intruder' })).rejects.toMatchObject(denied);
      await expect(transformer.query('DELETE FROM applications')).rejects.toMatchObject(denied);
      await expect(transformer.query('SELECT count(*) FROM applications')).rejects.toMatchObject(denied);
      await expect(transformer.query('SELECT count(*) FROM visitor_salts')).rejects.toMatchObject(denied);
      await expect(transformer.query('DELETE FROM transform_batches')).rejects.toMatchObject(denied);
      await expect(transformer.query('DROP TABLE hits_hourly_203305')).rejects.toMatchObject(denied);
      await expect(transformer.query('CREATE TABLE stash (x int)')).rejects.toMatchObject(denied);
    },
  );
});

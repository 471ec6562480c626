/**
 * The pg adapter against the real PostgreSQL: credentials from a function (a rotating secret) and
 * the pool rebuilt when the server refuses them. The test server trusts every local connection, so
 * a refused login is a role that does not exist (SQLSTATE 28000), which takes the same path as a
 * rotated password (28P01).
 */
import { describe, expect, it, vi } from 'vitest';
import { databaseUrl } from '../../test/helpers/postgres.ts';
import { createPostgres } from './postgres.ts';

const withUser = (user: string) => {
  const u = new URL(databaseUrl!);
  u.username = user;
  return u.toString();
};

describe('createPostgres', () => {
  it('reads the URL from a function once, at first use', async () => {
    const url = vi.fn(async () => databaseUrl!);
    const db = createPostgres({ connectionString: url, max: 2 });
    expect(url).not.toHaveBeenCalled();
    await Promise.all([db.query('SELECT 1'), db.query('SELECT 2')]);
    expect((await db.query<{ n: number }>('SELECT 3 AS n')).rows).toEqual([{ n: 3 }]);
    expect(url).toHaveBeenCalledTimes(1);
    await db.close();
  });

  it('after a refused login, asks for fresh credentials and retries once (queries and transactions)', async () => {
    let current = withUser('alt_rotated_away');
    const onAuthFailure = vi.fn(() => {
      current = databaseUrl!; // what re-reading the rotated secret gives
    });
    const db = createPostgres({ connectionString: async () => current, onAuthFailure, max: 2 });
    expect((await db.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
    expect(onAuthFailure).toHaveBeenCalledTimes(1);

    current = withUser('alt_rotated_again');
    onAuthFailure.mockImplementation(() => {
      current = databaseUrl!;
    });
    const db2 = createPostgres({ connectionString: async () => current, onAuthFailure, max: 2 });
    const n = await db2.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 2 AS n')).rows[0].n);
    expect(n).toBe(2);
    expect(onAuthFailure).toHaveBeenCalledTimes(2);
    await db.close();
    await db2.close();
  });

  it('gives up after one retry, and never retries a fixed URL', async () => {
    const onAuthFailure = vi.fn();
    const stuck = createPostgres({
      connectionString: async () => withUser('alt_still_wrong'),
      onAuthFailure,
      max: 1,
    });
    await expect(stuck.query('SELECT 1')).rejects.toMatchObject({ code: '28000' });
    expect(onAuthFailure).toHaveBeenCalledTimes(1);
    await stuck.close();

    const fixed = createPostgres({ connectionString: withUser('alt_fixed_wrong'), onAuthFailure, max: 1 });
    await expect(fixed.query('SELECT 1')).rejects.toMatchObject({ code: '28000' });
    expect(onAuthFailure).toHaveBeenCalledTimes(1);
    await fixed.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPglite } from '../lib/db/pglite.ts';
import type { Sql } from '../lib/db/sql.ts';
import { useDuckdb } from '../test/helpers/duckdb.ts';
import { quoteIdent, quoteLiteral } from './sql-quote.ts';

/** Strings an attacker or an odd file name could bring; each must come back from the engine as written. */
const HOSTILE = [
  '',
  "it's",
  "''",
  "'; DROP TABLE hits; --",
  '"',
  'say "hi"',
  '"; DROP TABLE hits; --',
  'back\\slash',
  'trailing\\',
  "\\'",
  'new\nline\r\n',
  'tab\tand $$dollar$$ and $1',
  'ünïcødé 日本語 🦆',
  '\u202eright-to-left',
  '\ufeffleading BOM',
];
/**
 * Both engines take the statement as a C string, so it ends at a NUL: inside a quoted value that
 * leaves the quote open, and the statement fails to parse instead of running something else.
 */
const WITH_NUL = ['nul\0byte', '\0', "\0'; DROP TABLE t; --"];

describe('quoteLiteral / quoteIdent', () => {
  it('double the quote character and leave everything else as written', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('say "hi"')).toBe(`'say "hi"'`);
    expect(quoteLiteral('back\\slash\n')).toBe("'back\\slash\n'");
    expect(quoteIdent('say "hi"')).toBe('"say ""hi"""');
    expect(quoteIdent("it's")).toBe(`"it's"`);
    expect(quoteIdent('timestamp')).toBe('"timestamp"');
  });

  describe('in DuckDB', () => {
    const duck = useDuckdb();

    it.each(HOSTILE.map((s) => [JSON.stringify(s), s]))('a literal reads back whole: %s', async (_, s) => {
      const rows = (await duck().runAndReadAll(`SELECT ${quoteLiteral(s)} AS v`)).getRowObjectsJS();
      expect(rows).toEqual([{ v: s }]);
    });

    it.each(WITH_NUL.map((s) => [JSON.stringify(s), s]))('a NUL fails the statement: %s', async (_, s) => {
      await expect(duck().run(`SELECT ${quoteLiteral(s)} AS v`)).rejects.toThrow(
        /unterminated quoted string/,
      );
      await expect(duck().run(`SELECT 1 AS ${quoteIdent(s)}`)).rejects.toThrow(
        /unterminated quoted identifier/,
      );
    });

    it.each(HOSTILE.filter((s) => s !== '').map((s) => [JSON.stringify(s), s]))(
      'an identifier names exactly that column: %s',
      async (_, s) => {
        await duck().run(`CREATE OR REPLACE TABLE t (${quoteIdent(s)} INTEGER)`);
        await duck().run(`INSERT INTO t (${quoteIdent(s)}) VALUES (1)`);
        const rows = (await duck().runAndReadAll(`SELECT ${quoteIdent(s)} FROM t`)).getRowObjectsJS();
        expect(rows).toEqual([{ [s]: 1 }]);
      },
    );
  });

  describe('in PostgreSQL (PGlite)', () => {
    let db: Sql;
    beforeAll(async () => {
      db = await createPglite();
    });
    afterAll(async () => {
      await db?.close();
    });

    // Compared in the server against the same string sent as a parameter: the client's decoder
    // drops a leading U+FEFF on the way back, which is not the quoting's doing.
    it.each(HOSTILE.map((s) => [JSON.stringify(s), s]))(
      'a literal is the string itself: %s',
      async (_, s) => {
        const { rows } = await db.query(`SELECT ${quoteLiteral(s)}::text = $1 AS same`, [s]);
        expect(rows).toEqual([{ same: true }]);
      },
    );

    it.each(HOSTILE.filter((s) => s !== '').map((s) => [JSON.stringify(s), s]))(
      'an identifier names exactly that column: %s',
      async (_, s) => {
        // PostgreSQL truncates identifiers to 63 bytes; these are shorter.
        await db.exec(`DROP TABLE IF EXISTS t; CREATE TABLE t (${quoteIdent(s)} integer)`);
        const { rows } = await db.query(
          "SELECT attname::text = $1 AS same FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum = 1",
          [s],
        );
        expect(rows).toEqual([{ same: true }]);
      },
    );

    // The wire protocol's Parse message ends the query string at the NUL, and the server refuses it.
    it.each(WITH_NUL.map((s) => [JSON.stringify(s), s]))('a NUL fails the statement: %s', async (_, s) => {
      await expect(db.query(`SELECT ${quoteLiteral(s)} AS v`)).rejects.toThrow(/insufficient data/);
      await expect(db.query(`SELECT 1 AS ${quoteIdent(s)}`)).rejects.toThrow(/insufficient data/);
    });
  });
});

import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { keepLeadingBom } from './duckdb-text.ts';

describe('keepLeadingBom', () => {
  it('a VARCHAR that starts with U+FEFF reads back whole, through rows and JSON rows alike', async () => {
    keepLeadingBom();
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const reader = await conn.runAndReadAll(
        "SELECT chr(65279) AS bom, chr(65279) || 'x' AS bom_x, 'a' || chr(65279) AS a_bom",
      );
      expect(reader.getRowObjectsJS()[0]).toEqual({ bom: '\ufeff', bom_x: '\ufeffx', a_bom: 'a\ufeff' });
      expect(reader.getRowsJson()[0]).toEqual(['\ufeff', '\ufeffx', 'a\ufeff']);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});

import { expect, it } from 'vitest';
import { count } from './format.ts';

it('counts read as English: 1 row, 2 rows, 0 hours, 1 batch', () => {
  expect([count(1, 'row'), count(2, 'row'), count(0, 'hour'), count(1, 'batch', 'batches')]).toEqual([
    '1 row',
    '2 rows',
    '0 hours',
    '1 batch',
  ]);
  expect(count(3, 'batch', 'batches')).toBe('3 batches');
});

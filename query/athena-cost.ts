/**
 * Athena's price for a query: $5 per TB scanned, rounded up to the next MB with a 10 MB minimum
 * per query; DDL and failed queries are free (aws.amazon.com/athena/pricing). TB and MB are
 * binary here (2^40, 2^20), as Athena reports bytes.
 */
export const USD_PER_TB = 5;
const MB = 2 ** 20;
const TB = 2 ** 40;
export const MIN_BILLED_BYTES = 10 * MB;

export function billedBytes(bytesScanned: number, statementType?: string): number {
  if (statementType === 'DDL') return 0;
  return Math.max(MIN_BILLED_BYTES, Math.ceil(bytesScanned / MB) * MB);
}

export function athenaCostUsd(bytesScanned: number, statementType?: string): number {
  return (billedBytes(bytesScanned, statementType) / TB) * USD_PER_TB;
}

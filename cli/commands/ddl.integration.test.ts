/** `alt ddl` as a user runs it: the real CLI entry in a subprocess. */
import { describe, expect, it } from 'vitest';
import { runAlt } from '../../test/helpers/run-alt.ts';

const alt = (args: string[]) => runAlt(args, { ALT_LAKE_BUCKET: '' });

const ROLE = 'arn:aws:iam::210987654321:role/alt-prod-snowflake';

describe('alt ddl snowflake', () => {
  it('prints the DDL with the role, the pinned external id and key-parsed partitions', async () => {
    const r = await alt([
      'ddl',
      'snowflake',
      '--lake-bucket',
      's3://acme-alt-lake/analytics/',
      '--role-arn',
      ROLE,
      '--external-id',
      'alt-prod-snowflake-0001',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `STORAGE_AWS_ROLE_ARN = '${ROLE}'\n  STORAGE_AWS_EXTERNAL_ID = 'alt-prod-snowflake-0001'`,
    );
    expect(r.stdout).toContain("URL = 's3://acme-alt-lake/analytics/hits/'");
    expect(r.stdout).toContain(
      `"YEAR" NUMBER(4,0) AS (SPLIT_PART(SPLIT_PART('/' || METADATA$FILENAME, '/year=', 2), '/', 1)::NUMBER(4,0))`,
    );
  });

  it.each([
    [
      'the example account 123456789012',
      [
        '--role-arn',
        'arn:aws:iam::123456789012:role/alt',
        '--external-id',
        'x1',
        '--lake-bucket',
        'acme-alt-lake',
      ],
      /--role-arn "arn:aws:iam::123456789012:role\/alt" names the placeholder account 123456789012/,
    ],
    [
      'the account 999999999999',
      [
        '--role-arn',
        'arn:aws:iam::999999999999:role/alt',
        '--external-id',
        'x1',
        '--lake-bucket',
        'acme-alt-lake',
      ],
      /placeholder account 999999999999/,
    ],
    ['a missing external id', ['--role-arn', ROLE, '--lake-bucket', 'acme-alt-lake'], /needs --external-id/],
    [
      'an invalid bucket name',
      ['--role-arn', ROLE, '--external-id', 'x1', '--lake-bucket', 'Acme_Lake'],
      /"Acme_Lake" is not a valid S3 bucket name/,
    ],
  ])('refuses %s with a message and a non-zero exit', async (_label, flags, message) => {
    const r = await alt(['ddl', 'snowflake', ...flags]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });
});

describe('alt ddl athena', () => {
  it('refuses a lake bucket S3 would refuse', async () => {
    const r = await alt(['ddl', 'athena', '--lake-bucket', 'not a bucket!']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /--lake-bucket "not a bucket!": "not a bucket!" is not a valid S3 bucket name \(may hold only lowercase letters/,
    );
    expect(r.stderr).toContain(
      'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html',
    );
  });

  it('prints a projection from the first year to next year for a valid bucket', async () => {
    const r = await alt(['ddl', 'athena', '--lake-bucket', 'acme-alt-lake', '--first-year', '2026']);
    expect(r.code).toBe(0);
    const year = new Date().getUTCFullYear();
    expect(r.stdout).toContain(`'projection.year.range'='2026,${year + 1}'`);
    expect(r.stdout).toContain("LOCATION 's3://acme-alt-lake/hits/'");
  });
});

describe('alt ddl quality', () => {
  it('prints every check limited to the last --days days of partitions', async () => {
    const r = await alt(['ddl', 'quality', '--days', '2']);
    expect(r.code).toBe(0);
    const statements = r.stdout.split(';\n').filter((s) => /SELECT/.test(s));
    expect(statements).toHaveLength(7);
    for (const s of statements) {
      expect(s).toMatch(
        /year = year\(current_date - INTERVAL '1' DAY\)|year = year\(current_date - INTERVAL '1' DAY\) OR year IS NULL/,
      );
      expect(s).not.toContain("INTERVAL '2' DAY");
    }
  });
});

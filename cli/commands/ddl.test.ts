/** The argument checks behind `alt ddl` (the CLI itself is exercised in ddl.integration.test.ts). */
import { describe, expect, it } from 'vitest';
import { bucketNameProblem, ddlText, externalIdProblem, lakeLocation, roleArnProblem } from './ddl.ts';

describe('alt ddl argument checks', () => {
  it.each([
    ['ab', /3 to 63/],
    ['a'.repeat(64), /3 to 63/],
    ['Acme-Lake', /lowercase/],
    ['not a bucket!', /lowercase/],
    ['-lake', /begin and end/],
    ['lake.', /begin and end/],
    ['my..lake', /adjacent dots/],
    ['192.168.5.4', /IP address/],
    ['xn--lake', /prefix xn--/],
    ['sthree-lake', /prefix sthree-/],
    ['lake-s3alias', /suffix -s3alias/],
    ['lake--ol-s3', /suffix --ol-s3/],
  ])('refuses the bucket name %s', (name, problem) => {
    expect(bucketNameProblem(name)).toMatch(problem);
  });

  it.each(['acme-alt-lake', 'alt.lake.prod', 'a1b'])('accepts the bucket name %s', (name) => {
    expect(bucketNameProblem(name)).toBeUndefined();
  });

  it('normalizes bucket, bucket/prefix and s3:// forms and refuses empty prefix segments', () => {
    expect(lakeLocation('acme-lake')).toBe('s3://acme-lake/');
    expect(lakeLocation('s3://acme-lake/a/b/')).toBe('s3://acme-lake/a/b/');
    expect(() => lakeLocation('acme-lake//x')).toThrow(/empty path segment/);
  });

  it.each([
    ['arn:aws:iam::000000000000:role/alt', /placeholder account 000000000000/],
    ['arn:aws:iam::210987654321:role/placeholder-role', /is a placeholder/],
    ['arn:aws:iam::210987654321:role/changeme', /is a placeholder/],
    ['arn:aws:iam::210987654321:user/bob', /not an IAM role ARN/],
    ['arn:aws:iam::21098765432:role/alt', /not an IAM role ARN/],
  ])('refuses the role ARN %s', (arn, problem) => {
    expect(roleArnProblem(arn)).toMatch(problem);
  });

  it.each([
    'arn:aws:iam::210987654321:role/alt-prod-snowflake',
    'arn:aws-cn:iam::210987654321:role/team/alt',
  ])('accepts the role ARN %s', (arn) => {
    expect(roleArnProblem(arn)).toBeUndefined();
  });

  it('refuses placeholder and malformed external ids', () => {
    expect(externalIdProblem('0000-0000')).toMatch(/placeholder/);
    expect(externalIdProblem('PLACEHOLDER')).toMatch(/placeholder/);
    expect(externalIdProblem('has space')).toMatch(/no spaces/);
    expect(externalIdProblem('x')).toMatch(/at least 2/);
    expect(externalIdProblem('alt-prod-snowflake-0001')).toBeUndefined();
  });

  it('needs a role for the snowflake target before anything else', () => {
    expect(() => ddlText('snowflake', { externalId: 'x1' })).toThrow(/needs --role-arn/);
    expect(() =>
      ddlText('snowflake', { roleArn: 'arn:aws:iam::210987654321:role/alt', externalId: 'alt-prod-0001' }),
    ).toThrow(/needs --lake-bucket/);
    expect(() => ddlText('quality', { days: '0' })).toThrow(/--days must be a whole number/);
  });
});

import { describe, expect, it } from 'vitest';
import { commonName, renewalDecision } from './renewal.ts';
import { configFromEnv, RENEWER_ENV } from './renewer-entry.ts';

const DAY = 86_400_000;
const now = new Date('2026-12-06T12:00:00Z');

describe('renewalDecision', () => {
  it('renews when nothing is imported yet', () => {
    expect(renewalDecision({ notAfter: undefined, now, renewDaysBefore: 30 })).toEqual({
      renew: true,
      reason: 'no certificate imported yet',
    });
  });

  it('renews below the threshold, in whole days left, and after expiry', () => {
    const at = (days: number) =>
      renewalDecision({ notAfter: new Date(now.getTime() + days * DAY), now, renewDaysBefore: 30 });
    expect(at(30)).toMatchObject({ renew: false, daysLeft: 30 });
    // 29.9 days is 29 whole days: renew.
    expect(at(29.9)).toMatchObject({ renew: true, daysLeft: 29, reason: '29 days left, fewer than 30' });
    expect(at(-2)).toMatchObject({ renew: true, daysLeft: -2 });
    expect(at(89)).toEqual({ renew: false, daysLeft: 89, reason: '89 days left, renewing below 30' });
  });

  it('renews at once when the certificate is for another name than the one configured', () => {
    const notAfter = new Date(now.getTime() + 80 * DAY);
    const at = (certificateDomain: string) =>
      renewalDecision({ notAfter, now, renewDaysBefore: 30, certificateDomain, domain: 'collect.alt.test' });
    expect(at('old.alt.test')).toEqual({
      renew: true,
      daysLeft: 80,
      reason: 'the certificate is for old.alt.test, not collect.alt.test',
    });
    expect(at('Collect.ALT.test')).toMatchObject({ renew: false });
  });

  it('refuses a threshold that would never renew', () => {
    expect(() => renewalDecision({ notAfter: now, now, renewDaysBefore: 0 })).toThrow(/above 0/);
  });
});

describe('commonName', () => {
  it('reads the CN line of a distinguished name as node:crypto prints it', () => {
    expect(commonName('C=US\nO=Internet Security Research Group\nCN=ISRG Root X2')).toBe('ISRG Root X2');
    expect(commonName('C=US\nO=Amazon')).toBeUndefined();
  });
});

describe('configFromEnv', () => {
  const env = {
    [RENEWER_ENV.domain]: 'collect.example.org',
    [RENEWER_ENV.hostedZoneId]: 'Z1',
    [RENEWER_ENV.directoryUrl]: 'https://acme-v02.api.letsencrypt.org/directory',
    [RENEWER_ENV.contactEmail]: 'ops@example.org',
    [RENEWER_ENV.trustedRoot]: 'ISRG Root X2',
    [RENEWER_ENV.renewDaysBefore]: '30',
    [RENEWER_ENV.stateSecretId]: 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:x',
  };

  it('reads what the stack sets', () => {
    expect(configFromEnv(env)).toMatchObject({ domain: 'collect.example.org', renewDaysBefore: 30 });
  });

  it('names a missing or bad variable', () => {
    expect(() => configFromEnv({ ...env, [RENEWER_ENV.hostedZoneId]: '' })).toThrow(
      /ALT_CERT_HOSTED_ZONE_ID is not set/,
    );
    expect(() => configFromEnv({ ...env, [RENEWER_ENV.renewDaysBefore]: '2.5' })).toThrow(
      /ALT_CERT_RENEW_DAYS_BEFORE must be a whole number/,
    );
  });
});

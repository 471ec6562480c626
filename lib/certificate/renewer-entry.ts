/**
 * The certificate renewer Lambda (`index.handler`): reads its configuration from the environment
 * the stack sets (infra/components/managed-certificate.ts) and runs `renewCertificate` once. The
 * daily schedule and the stack's first invocation at deploy both land here; the result's
 * `certificateArn` is what the stack's listener serves.
 */
import { defaultClients, type RenewerConfig, type RenewerResult, renewCertificate } from './renewer.ts';

/** The environment variable names, shared with the stack. */
export const RENEWER_ENV = {
  domain: 'ALT_CERT_DOMAIN',
  hostedZoneId: 'ALT_CERT_HOSTED_ZONE_ID',
  directoryUrl: 'ALT_CERT_ACME_DIRECTORY_URL',
  contactEmail: 'ALT_CERT_CONTACT_EMAIL',
  trustedRoot: 'ALT_CERT_TRUSTED_ROOT',
  renewDaysBefore: 'ALT_CERT_RENEW_DAYS_BEFORE',
  stateSecretId: 'ALT_CERT_STATE_SECRET_ID',
} as const satisfies Record<keyof RenewerConfig, string>;

export function configFromEnv(env: NodeJS.ProcessEnv): RenewerConfig {
  const keys = Object.keys(RENEWER_ENV) as (keyof RenewerConfig)[];
  // Every missing variable at once: the stack sets them all, so one missing means a broken deploy.
  const missing = keys.filter((k) => !env[RENEWER_ENV[k]]).map((k) => RENEWER_ENV[k]);
  if (missing.length > 0)
    throw new Error(`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set`);
  const get = (k: keyof RenewerConfig) => env[RENEWER_ENV[k]] as string;
  const days = Number(get('renewDaysBefore'));
  if (!Number.isInteger(days) || days <= 0)
    throw new Error(`${RENEWER_ENV.renewDaysBefore} must be a whole number of days above 0`);
  return {
    domain: get('domain'),
    hostedZoneId: get('hostedZoneId'),
    directoryUrl: get('directoryUrl'),
    contactEmail: get('contactEmail'),
    trustedRoot: get('trustedRoot'),
    renewDaysBefore: days,
    stateSecretId: get('stateSecretId'),
  };
}

export async function handler(): Promise<RenewerResult> {
  const result = await renewCertificate(defaultClients(), configFromEnv(process.env), {
    log: (line) => console.log(line),
  });
  console.log(JSON.stringify(result));
  return result;
}

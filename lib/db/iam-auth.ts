/**
 * IAM database authentication: a component logs in as its own role with a token signed by its IAM
 * credentials instead of a password. A token is valid for 15 minutes and is checked only when a
 * connection opens (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.html),
 * so `pg` asks for a fresh one for every new connection and pooled connections outlive it.
 */
import type { ConnectionOptions } from 'node:tls';
import { Signer, type SignerConfig } from '@aws-sdk/rds-signer';
import { AURORA_DATABASE, AURORA_PORT } from './aurora-secret.ts';
import { type AuroraTls, auroraSsl } from './aurora-tls.ts';

export interface IamTarget {
  host: string;
  user: string;
  region: string;
  port?: number;
  database?: string;
}

/** Signs an auth token for the target (the SDK boundary: tests pass credentials or a fake). */
export type SignToken = (t: Required<Omit<IamTarget, 'database'>>) => Promise<string>;

/**
 * `@aws-sdk/rds-signer`, with the default credential chain (instance profile, Lambda role) unless
 * credentials are given. Signing is local: no request leaves the process.
 */
export const rdsSigner =
  (credentials?: SignerConfig['credentials']): SignToken =>
  (t) =>
    new Signer({
      hostname: t.host,
      port: t.port,
      username: t.user,
      region: t.region,
      credentials,
    }).getAuthToken();

/** What `pg` needs to open a connection: the password is a function, called per connection. */
export interface PgConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: () => Promise<string>;
  ssl: ConnectionOptions | false;
}

export function iamConnection(
  t: IamTarget,
  opts: { tls?: AuroraTls; sign?: SignToken; ssl?: ConnectionOptions | false } = {},
): PgConnection {
  if (!t.host || !t.user || !t.region) throw new Error('IAM database auth needs a host, a user and a region');
  const port = t.port ?? AURORA_PORT;
  const sign = opts.sign ?? rdsSigner();
  return {
    host: t.host,
    port,
    database: t.database ?? AURORA_DATABASE,
    user: t.user,
    password: () => sign({ host: t.host, port, user: t.user, region: t.region }),
    // A token is a bearer credential: it never leaves over an unverified connection in AWS.
    ssl: opts.ssl ?? auroraSsl(opts.tls),
  };
}

/**
 * The one-shot migration Lambda: reads the RDS-managed master secret, connects to Aurora over TLS
 * and applies `auroraMigrations()` (idempotent: applied ids are recorded). Invoked by the stack on
 * every deploy whose migration set changed.
 */
import { createPostgres, migrate } from '../../lib/db/index.ts';

interface SecretsManagerModule {
  SecretsManagerClient: new (c: object) => { send(cmd: unknown): Promise<{ SecretString?: string }> };
  GetSecretValueCommand: new (input: { SecretId: string }) => unknown;
}

// The nodejs22.x runtime ships AWS SDK v3; this project does not depend on the Secrets Manager
// client, so it is loaded from the runtime (a non-literal specifier keeps it out of the bundle).
const SECRETS_MANAGER = '@aws-sdk/client-secrets-manager';

export async function handler(): Promise<{ applied: string[] }> {
  const secretArn = process.env.ALT_DATABASE_SECRET_ARN;
  const host = process.env.ALT_DATABASE_HOST;
  if (!secretArn || !host) throw new Error('ALT_DATABASE_SECRET_ARN and ALT_DATABASE_HOST are required');
  const sm = (await import(SECRETS_MANAGER)) as SecretsManagerModule;
  const secret = await new sm.SecretsManagerClient({}).send(
    new sm.GetSecretValueCommand({ SecretId: secretArn }),
  );
  const { username, password } = JSON.parse(secret.SecretString ?? '{}') as {
    username: string;
    password: string;
  };
  const url = `postgres://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${host}:5432/alt?sslmode=no-verify`;
  const db = createPostgres({ connectionString: url, max: 1 });
  try {
    return { applied: await migrate(db) };
  } finally {
    await db.close();
  }
}

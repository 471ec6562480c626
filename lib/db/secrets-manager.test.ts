/** The SDK-backed secret reader, with Secrets Manager mocked at its client boundary. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabaseUrlResolver } from './aurora-secret.ts';
import { createSecretsManagerReader } from './secrets-manager.ts';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

describe('createSecretsManagerReader', () => {
  it('returns the SecretString of the ARN asked for, which the resolver turns into the Aurora URL', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:1:secret:rds!cluster-x';
    sm.on(GetSecretValueCommand, { SecretId: arn }).resolves({
      SecretString: JSON.stringify({ username: 'alt', password: 'p@ss/word' }),
    });
    const read = createSecretsManagerReader(new SecretsManagerClient({ region: 'eu-west-1' }));
    const url = createDatabaseUrlResolver({
      env: { ALT_DATABASE_HOST: 'aurora.internal', ALT_DATABASE_SECRET_ARN: arn },
      getSecretString: read,
    });
    expect(await url()).toBe('postgres://alt:p%40ss%2Fword@aurora.internal:5432/alt?sslmode=no-verify');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });
});

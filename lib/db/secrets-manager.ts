/**
 * `GetSecretString` through the Secrets Manager client this package depends on, for long-running
 * processes (the collector on EC2). The Lambdas use the SDK their runtime ships instead
 * (`getSecretStringFromRuntime`), so their bundles stay small; this module is imported only where
 * the client is bundled.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { GetSecretString } from './aurora-secret.ts';

export function createSecretsManagerReader(client = new SecretsManagerClient({})): GetSecretString {
  return async (secretArn) =>
    (await client.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString;
}

/**
 * Pulumi entry point (`Pulumi.yaml` → `main: infra/`): reads `Pulumi.<stack>.yaml` and exports the
 * stack outputs. All the building happens in `createStack`.
 */
import * as pulumi from '@pulumi/pulumi';
import { readStackConfig } from './read-config.ts';
import { createStack } from './stack.ts';

const stack = createStack(readStackConfig(new pulumi.Config('alt'), new pulumi.Config('aws')));

export const {
  collectorUrl,
  loadBalancerDnsName,
  beaconUrl,
  cdnDomainName,
  streamName,
  lakeBucket,
  athenaWorkgroup,
  glueDatabase,
  auroraEndpoint,
  auroraSecretArn,
  auroraClusterArn,
  auroraDatabase,
  collectorGroupName,
  consolePolicyArn,
  region,
  transformerFunction,
  compactFunction,
  dlqUrl,
  alarmTopicArn,
  dashboardName,
  snowflakeRoleArn,
  snowflakeSql,
} = stack.outputs;

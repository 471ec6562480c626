/** Typed IAM documents, serialised with `pulumi.jsonStringify` so ARNs stay Outputs until apply. */
import * as pulumi from '@pulumi/pulumi';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Principal?: '*' | Record<string, pulumi.Input<string> | pulumi.Input<string>[]>;
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export interface AssumeStatement {
  Effect: 'Allow';
  Action: string | string[];
  Principal: Record<string, pulumi.Input<string> | pulumi.Input<string>[]>;
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export const policyDocument = (statements: Statement[]) =>
  pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements });

export const assumeRolePolicy = (statements: AssumeStatement[]) =>
  pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements });

export const servicePrincipal = (service: string): AssumeStatement => ({
  Effect: 'Allow',
  Action: 'sts:AssumeRole',
  Principal: { Service: service },
});

/** Deny any request to the bucket that does not use TLS (DESIGN §9). */
export const tlsOnlyStatement = (bucketArn: pulumi.Input<string>): Statement => ({
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

/**
 * Actions AWS only accepts with `Resource: "*"`; the policy check allows exactly these.
 * - ENI management for a Lambda in a VPC (the ENI ids do not exist before the function).
 * - cloudwatch:PutMetricData has no resource type (scoped instead by a namespace condition).
 * - cloudwatch:GetMetricData has no resource type either (the console operator's policy).
 */
export const STAR_RESOURCE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'cloudwatch:PutMetricData',
  'cloudwatch:GetMetricData',
] as const;

export const lambdaVpcStatement: Statement = {
  Sid: 'LambdaVpcEnis',
  Effect: 'Allow',
  Action: [...STAR_RESOURCE_ACTIONS.filter((a) => a.startsWith('ec2:'))],
  Resource: '*',
};

export const logStatement = (logGroupArn: pulumi.Input<string>): Statement => ({
  Sid: 'WriteOwnLogs',
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
  Resource: [logGroupArn, pulumi.interpolate`${logGroupArn}:*`],
});

/** What a component needs to reach Aurora: the endpoint, and the cluster's ids for IAM auth. */
export interface DatabaseRef {
  host: pulumi.Input<string>;
  /** The RDS-managed master secret: for the migration Lambda only (owner of the schema). */
  secretArn: pulumi.Input<string>;
  clusterArn: pulumi.Input<string>;
  /** `cluster-…`: the resource id IAM auth ARNs name, not the cluster's identifier. */
  clusterResourceId: pulumi.Input<string>;
}

/**
 * Lets a role log in to Aurora as database user `user` with an IAM token, and as no other user:
 * `arn:<partition>:rds-db:<region>:<account>:dbuser:<cluster resource id>/<user>`
 * (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrdsiamauthentication.html).
 * Partition, region and account come from the cluster's own ARN. For every component that opens
 * the database: the transformer, the compaction Lambda (as `alt_transformer`), the collector.
 */
export const databaseAccessStatement = (
  db: Pick<DatabaseRef, 'clusterArn' | 'clusterResourceId'>,
  user: string,
): Statement => ({
  Sid: 'ConnectToDatabase',
  Effect: 'Allow',
  Action: 'rds-db:connect',
  Resource: pulumi.all([db.clusterArn, db.clusterResourceId]).apply(([arn, resourceId]) => {
    const [, partition, , region, account] = arn.split(':');
    return `arn:${partition}:rds-db:${region}:${account}:dbuser:${resourceId}/${user}`;
  }),
});

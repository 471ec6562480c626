/** The shape the policy checks read: what a Pulumi mock (or a preview export) records per resource. */

export interface PlannedResource {
  /** Pulumi type token, e.g. `aws:s3/bucket:Bucket`. */
  type: string;
  /** Logical name. */
  name: string;
  /** Resolved inputs (IAM documents are JSON strings, as `pulumi.jsonStringify` produces). */
  inputs: Record<string, unknown>;
  /** The id the engine (or mock) gave it: other resources refer to it (e.g. a policy's `bucket`). */
  id?: string;
  /** What the (mock) provider returned: the inputs plus computed attributes such as `arn`. */
  state?: Record<string, unknown>;
}

export interface Violation {
  policy: string;
  resource: string;
  message: string;
}

export const T = {
  bucket: 'aws:s3/bucket:Bucket',
  publicAccessBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  bucketEncryption: 'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  stream: 'aws:kinesis/stream:Stream',
  rdsCluster: 'aws:rds/cluster:Cluster',
  rdsClusterInstance: 'aws:rds/clusterInstance:ClusterInstance',
  rdsInstance: 'aws:rds/instance:Instance',
  securityGroup: 'aws:ec2/securityGroup:SecurityGroup',
  ingressRule: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  queue: 'aws:sqs/queue:Queue',
  topic: 'aws:sns/topic:Topic',
  launchTemplate: 'aws:ec2/launchTemplate:LaunchTemplate',
  instance: 'aws:ec2/instance:Instance',
  workgroup: 'aws:athena/workgroup:Workgroup',
  rolePolicy: 'aws:iam/rolePolicy:RolePolicy',
  policy: 'aws:iam/policy:Policy',
  role: 'aws:iam/role:Role',
  rolePolicyAttachment: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
  metricAlarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  loadBalancer: 'aws:lb/loadBalancer:LoadBalancer',
  targetGroup: 'aws:lb/targetGroup:TargetGroup',
  listener: 'aws:lb/listener:Listener',
  listenerRule: 'aws:lb/listenerRule:ListenerRule',
  webAcl: 'aws:wafv2/webAcl:WebAcl',
  distribution: 'aws:cloudfront/distribution:Distribution',
  originRequestPolicy: 'aws:cloudfront/originRequestPolicy:OriginRequestPolicy',
} as const;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export const asList = <V>(v: V | V[] | undefined): V[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Statements of an IAM document given as JSON text or object; throws on anything else. */
export function statementsOf(doc: unknown): PolicyStatement[] {
  const parsed = typeof doc === 'string' ? JSON.parse(doc) : doc;
  if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed)) {
    throw new Error(`not an IAM policy document: ${String(doc).slice(0, 80)}`);
  }
  return asList((parsed as { Statement: PolicyStatement | PolicyStatement[] }).Statement);
}

export const ofType = (rs: PlannedResource[], type: string) => rs.filter((r) => r.type === type);

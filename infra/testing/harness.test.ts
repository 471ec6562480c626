/**
 * The graph recorder on a tiny program: implicit dependencies through Output inputs, explicit
 * `dependsOn` (a component expands to its children), parents, and the transitive closure. Proves
 * the relation tests in graph-suite.ts can fail.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { installMocks, settle } from './harness.ts';

class Box extends pulumi.ComponentResource {
  readonly queue: aws.sqs.Queue;
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super('test:index:Box', name, {}, opts);
    this.queue = new aws.sqs.Queue(`${name}-queue`, {}, { parent: this });
    this.registerOutputs({});
  }
}

describe('ResourceGraph', () => {
  it('records parents, Output and dependsOn dependencies, and answers what must exist first', async () => {
    const run = await installMocks('graph', 'eu-west-1');
    const bucket = new aws.s3.Bucket('bucket', {});
    const box = new Box('box');
    const policy = new aws.s3.BucketPolicy('policy', {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({ Statement: [{ Resource: pulumi.interpolate`${bucket.arn}/*` }] }),
    });
    new aws.sns.Topic('topic', {}, { dependsOn: [policy, box] });
    new aws.sns.Topic('loner', {});
    await settle();

    const g = run.graph;
    const node = (type: string, name: string) => g.get(type, name);
    const b = node('aws:s3/bucket:Bucket', 'bucket');
    const p = node('aws:s3/bucketPolicy:BucketPolicy', 'policy');
    const q = node('aws:sqs/queue:Queue', 'box-queue');
    const t = node('aws:sns/topic:Topic', 'topic');
    const l = node('aws:sns/topic:Topic', 'loner');

    expect(p.propertyDependencies.bucket).toEqual([b.urn]);
    expect(p.propertyDependencies.policy).toEqual([b.urn]);
    // dependsOn on a component means its children.
    expect(t.dependencies.sort()).toEqual([p.urn, q.urn].sort());
    expect(g.waitsFor(t, b)).toBe(true);
    expect(g.waitsFor(t, q)).toBe(true);
    expect(g.waitsFor(b, t)).toBe(false);
    expect(g.requires(l).size).toBe(0);
    expect(q.parent).toBe(node('test:index:Box', 'box').urn);
    expect(g.ancestors(q).map((a) => a.type)).toEqual(['test:index:Box']);
    expect(b.state?.arn).toBe('arn:aws:s3:::bucket-0123abcd');
  });
});

/**
 * The public edge as a request would meet it, over the real program under the Pulumi mocks
 * (issue #16, findings 5, 6, 11): which origin and origin request policy each CloudFront behaviour
 * uses, what the WAF's size rules do to the collector's largest valid requests, who may connect to
 * the ALB, which address the rate limits key on, what the listener does with each path (evaluated
 * as the ALB would, in every order of its rules) and what the collector behind it then serves, and
 * the options that keep the prod lake. Called from stack-dev.test.ts and stack-prod.test.ts.
 */
import { rmSync } from 'node:fs';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beaconAsset } from '../../collector/beacon-assets.ts';
import { buildServer, createCollectorFastify } from '../../collector/server.ts';
import { createMemorySink } from '../../collector/testing/memory-sink.ts';
import { createValidator } from '../../collector/validate.ts';
import { LIMITS, PixelQuerySchema } from '../../schemas/wire.ts';
import {
  HOST_FORWARDING_ORIGIN_REQUEST_POLICIES,
  MANAGED_ALL_VIEWER_EXCEPT_HOST_HEADER,
  MANAGED_CACHING_DISABLED,
} from '../components/beacon-cdn.ts';
import {
  ALB_PUBLIC_PATHS,
  CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST,
  type Edge,
  ORIGIN_VERIFY_HEADER,
} from '../components/edge.ts';
import { DEFAULT_QUERY_MAX_BYTES, PIXEL_PATH, PIXEL_QUERY_MAX_BYTES } from '../components/waf-rules.ts';
import { OPERATIONAL_PATHS, runAllChecks } from '../policies/checks.ts';
import { type AlbRule, albPathMatches, listenerAction, wafSizeBlock } from '../policies/edge-rules.ts';
import { type PlannedResource, T } from '../policies/resources.ts';
import { readStackConfig } from '../read-config.ts';
import { type AltStack, createStack } from '../stack.ts';
import {
  createPlaceholderArtifacts,
  installMocks,
  type MockRun,
  type RecordedOptions,
  recordResourceOptions,
  resolve,
  settle,
  stackTestConfig,
} from './harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON; the assertions give them shape
type Inputs = Record<string, any>;

interface ProgramRun {
  run: MockRun;
  options: Map<string, RecordedOptions>;
  stack: AltStack;
  artifacts: string;
}

/** Its own program run (with `extra` config), so a variant such as the origin secret can be tested. */
async function runEdgeProgram(
  stackName: 'dev' | 'prod',
  extra: Record<string, unknown> = {},
): Promise<ProgramRun> {
  const artifacts = createPlaceholderArtifacts();
  const yaml = stackTestConfig(stackName, extra);
  const run = await installMocks(stackName, yaml['aws:region'] as string);
  const options = recordResourceOptions();
  pulumi.runtime.setAllConfig({ ...yaml, 'alt:artifactsDir': artifacts });
  const stack = createStack(readStackConfig(new pulumi.Config('alt'), new pulumi.Config('aws')));
  await resolve(pulumi.all(stack.outputs));
  await settle();
  return { run, options, stack, artifacts };
}

const permutations = <X>(xs: X[]): X[][] =>
  xs.length <= 1
    ? [xs]
    : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

/** The collector's own router (the real `buildServer`), with the beacon files the placeholder artifacts ship. */
function collectorApp() {
  const asset = beaconAsset('b.js', Buffer.from('/* beacon */\n'));
  return buildServer({
    sink: createMemorySink(),
    // Never reached: the paths asked for here are routing questions, not hits.
    registry: {} as never,
    salts: {} as never,
    config: {
      trustProxyHops: 1,
      rateLimitPerIp: 1000,
      rateLimitPerApp: 1000,
      honorDnt: true,
      logLevel: 'silent',
    },
    logger: pino({ level: 'silent' }),
    beacon: {
      files: new Map([
        ['b.js', asset],
        ['b.3f9a0c1d.js', { ...asset, immutable: true }],
      ]),
    },
  });
}

/** Paths a scanner would try to reach operational routes with. */
const PROBES = [
  ...OPERATIONAL_PATHS,
  '/admin',
  '/METRICS',
  '/metrics/',
  '//metrics',
  '/v1/../metrics',
  '/v1/hits/../../metrics',
  '/%6detrics',
  '/b.%2F..%2Fmetrics%3F.js',
  '/b./../metrics.js',
  '/v1/metrics',
];

export function describeEdge(stackName: 'dev' | 'prod') {
  const prod = stackName === 'prod';
  const p = `alt-${stackName}`;

  describe(`${stackName} edge`, () => {
    let r: ProgramRun;
    const all = (type: string) =>
      r.run.resources.filter((x) => x.type === type) as (PlannedResource & { inputs: Inputs })[];
    const one = (type: string) => {
      const found = all(type);
      expect(found, type).toHaveLength(1);
      return found[0] as PlannedResource & { inputs: Inputs };
    };
    beforeAll(async () => {
      r = await runEdgeProgram(stackName);
    });
    afterAll(() => rmSync(r.artifacts, { recursive: true, force: true }));

    it('every CloudFront behaviour to the ALB sends the origin its own Host; beacon behaviours reach the beacon bucket', async () => {
      const dist = one(T.distribution).inputs;
      const byId = new Map<string, Inputs>((dist.origins as Inputs[]).map((o) => [o.originId, o]));
      const behaviours = [dist.defaultCacheBehavior, ...dist.orderedCacheBehaviors] as Inputs[];
      const beaconBucket = await resolve(r.stack.beacon!.storage.bucket.bucketRegionalDomainName);
      const toAlb = behaviours.filter(
        (b) => byId.get(b.targetOriginId)?.domainName === r.stack.config.apiDomainName,
      );
      expect(toAlb.map((b) => b.pathPattern)).toEqual(prod ? ['/v1/*'] : []);
      for (const b of toAlb) {
        expect(byId.get(b.targetOriginId)?.customOriginConfig.originProtocolPolicy).toBe('https-only');
        expect(HOST_FORWARDING_ORIGIN_REQUEST_POLICIES).not.toContain(b.originRequestPolicyId);
        // All viewer headers but Host: Origin, User-Agent, Referer, Sec-GPC/DNT and, caching off,
        // Authorization for /v1/batch; all query strings for the pixel.
        expect(b).toMatchObject({
          originRequestPolicyId: MANAGED_ALL_VIEWER_EXCEPT_HOST_HEADER,
          cachePolicyId: MANAGED_CACHING_DISABLED,
        });
      }
      const beacon = behaviours.filter((b) => !toAlb.includes(b));
      expect(beacon.map((b) => b.pathPattern ?? 'default').sort()).toEqual(['/b.*.js', 'default']);
      for (const b of beacon) {
        const origin = byId.get(b.targetOriginId);
        expect(origin?.domainName).toBe(beaconBucket);
        expect(origin?.originAccessControlId).toBe(await resolve(r.stack.beacon!.originAccessControl.id));
      }
    });

    it("WAF: the collector's largest valid pixel query and hits/batch bodies pass the size rules; 2 KB still bounds other queries", () => {
      const acl = one(T.webAcl).inputs;
      // A pixel as the collector accepts it at its longest: every text field at its limit in
      // characters that URL-encode to three bytes each.
      const longest: Record<string, string> = { app_id: `alt_${'A'.repeat(22)}`, event_type: 'pageview' };
      const props = PixelQuerySchema.properties as unknown as Record<
        string,
        { maxLength?: number; pattern?: string }
      >;
      for (const [name, s] of Object.entries(props)) {
        if (name === 'url' || name === 'referrer')
          longest[name] = `https://a.example/${':'.repeat(s.maxLength! - 18)}`;
        else if (s.maxLength && !(name in longest) && name !== 'timestamp')
          longest[name] = ':'.repeat(s.maxLength);
      }
      const query = new URLSearchParams(longest).toString();
      expect(createValidator().pixelQuery(Object.fromEntries(new URLSearchParams(query))).ok).toBe(true);
      const queryBytes = Buffer.byteLength(query);
      expect(queryBytes).toBeGreaterThan(3 * 2 * LIMITS.urlChars);
      expect(queryBytes).toBeLessThanOrEqual(PIXEL_QUERY_MAX_BYTES);
      expect(wafSizeBlock(acl, { path: PIXEL_PATH, queryBytes, bodyBytes: 0 })).toBeUndefined();
      expect(
        wafSizeBlock(acl, { path: PIXEL_PATH, queryBytes: PIXEL_QUERY_MAX_BYTES, bodyBytes: 0 }),
      ).toBeUndefined();
      expect(
        wafSizeBlock(acl, { path: '/v1/hits', queryBytes: 0, bodyBytes: LIMITS.hitsBodyBytes }),
      ).toBeUndefined();
      expect(
        wafSizeBlock(acl, { path: '/v1/batch', queryBytes: 0, bodyBytes: LIMITS.batchBodyBytes }),
      ).toBeUndefined();
      // Bounds stay: past what the collector accepts on the pixel, past 2 KB anywhere else.
      expect(
        wafSizeBlock(acl, { path: PIXEL_PATH, queryBytes: PIXEL_QUERY_MAX_BYTES + 1, bodyBytes: 0 }),
      ).toBe('pixel-query-size');
      for (const path of ['/v1/hits', '/v1/batch', '/b.js'])
        expect(wafSizeBlock(acl, { path, queryBytes: DEFAULT_QUERY_MAX_BYTES + 1, bodyBytes: 0 })).toBe(
          'query-size',
        );
      expect(runAllChecks(r.run.resources).filter((v) => v.policy === 'waf-sizes')).toEqual([]);
    });

    it(
      prod
        ? 'ALB: HTTPS only from CloudFront origin-facing servers (prefix list), nothing from the internet'
        : 'ALB: HTTPS and the HTTP redirect from the internet (no CDN in front)',
      async () => {
        const sg = r.stack.edge.securityGroup;
        const sgId = await resolve(sg.id);
        const alb = one('aws:lb/loadBalancer:LoadBalancer');
        expect(alb.inputs.securityGroups).toEqual([sgId]);
        const ingress = r.run.resources.find((x) => x.type === T.securityGroup && x.id === sgId)!.inputs
          .ingress as Inputs[];
        const world = ingress.filter((i) =>
          [...(i.cidrBlocks ?? []), ...(i.ipv6CidrBlocks ?? [])].some(
            (c: string) => c === '0.0.0.0/0' || c === '::/0',
          ),
        );
        const extra = all(T.ingressRule).filter((i) => i.inputs.securityGroupId === sgId);
        expect(extra).toEqual([]);
        if (prod) {
          expect(world).toEqual([]);
          expect(ingress).toHaveLength(1);
          expect(ingress[0]).toMatchObject({ protocol: 'tcp', fromPort: 443, toPort: 443 });
          expect(ingress[0].prefixListIds).toEqual([
            // The id EC2 (here the call mock) gives the list of that name.
            (
              await resolve(
                aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST }),
              )
            ).id,
          ]);
        } else {
          expect(world.map((i) => i.fromPort).sort()).toEqual([443, 80]);
        }
      },
    );

    it(
      prod
        ? 'rate limits key on the viewer address: the ACL is on the distribution (us-east-1), the collector counts the hop CloudFront appended'
        : 'rate limits key on the client address: the ACL is on the ALB, the collector counts the ALB hop',
      async () => {
        const acl = one(T.webAcl);
        const aclArn = await resolve((r.stack.edge as Edge).webAcl!.arn);
        const keys = (acl.inputs.rules as Inputs[])
          .filter((x) => x.statement.rateBasedStatement)
          .map((x) => x.statement.rateBasedStatement.aggregateKeyType);
        expect(keys).toEqual(['IP']);
        const dist = one(T.distribution).inputs;
        const associations = all('aws:wafv2/webAclAssociation:WebAclAssociation');
        if (prod) {
          expect(acl.inputs.scope).toBe('CLOUDFRONT');
          expect(dist.webAclId).toBe(aclArn);
          expect(associations).toEqual([]);
          const provider = r.options.get(`${T.webAcl}::${acl.name}`)!.provider;
          const region = r.run.resources.find(
            (x) =>
              x.type === 'pulumi:providers:aws' && provider.includes(`pulumi:providers:aws::${x.name}::`),
          );
          expect(region?.inputs.region).toBe('us-east-1');
        } else {
          expect(acl.inputs.scope).toBe('REGIONAL');
          expect(dist.webAclId).toBeUndefined();
          expect(associations.map((a) => a.inputs)).toEqual([
            { resourceArn: await resolve(r.stack.edge.loadBalancer.arn), webAclArn: aclArn },
          ]);
        }
        // The collector's per-address limiter: the hop count the hosts are started with, applied by
        // the collector's own Fastify setup to the X-Forwarded-For CloudFront and the ALB build.
        const lt = one(T.launchTemplate).inputs;
        const hops = Number(
          /ALT_TRUST_PROXY_HOPS=(\d+)/.exec(Buffer.from(lt.userData, 'base64').toString('utf8'))![1],
        );
        const app = createCollectorFastify({ trustProxyHops: hops }, pino({ level: 'silent' }));
        app.get('/ip', async (req) => req.ip);
        const viewer = '203.0.113.7';
        // A forged X-Forwarded-For, then what CloudFront appends (the viewer) and the ALB appends
        // (its peer: a CloudFront edge server, or the viewer itself when nothing fronts the ALB).
        // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html
        const xff = prod ? `6.6.6.6, ${viewer}, 130.176.0.1` : `6.6.6.6, ${viewer}`;
        const res = await app.inject({
          url: '/ip',
          remoteAddress: '10.50.0.9',
          headers: { 'x-forwarded-for': xff },
        });
        expect(res.body).toBe(viewer);
        await app.close();
      },
    );

    it('listener: only the public routes reach the collector, in any order of its rules; /metrics never does', async () => {
      const listenerArn = await resolve((r.stack.edge as Edge).httpsListener.arn);
      const tgArn = await resolve(r.stack.edge.targetGroup.arn);
      const https = all(T.listener).find((l) => l.inputs.protocol === 'HTTPS')!;
      const rules: AlbRule[] = all(T.listenerRule)
        .filter((x) => x.inputs.listenerArn === listenerArn)
        .map((x) => x.inputs as unknown as AlbRule);
      const app = collectorApp();
      const routes: string[] = [];
      app.addHook('onRoute', (o) => {
        routes.push(o.url);
      });
      await app.ready();
      // The collector's routes and the ALB's public list agree: each route is public or operational.
      for (const route of new Set(routes)) {
        const isPublic = ALB_PUBLIC_PATHS.some((pattern) => albPathMatches(pattern, route));
        expect(isPublic !== OPERATIONAL_PATHS.includes(route), route).toBe(true);
      }
      for (const pattern of ALB_PUBLIC_PATHS)
        expect(
          routes.some((x) => albPathMatches(pattern, x)),
          pattern,
        ).toBe(true);
      const publicPaths = ['/v1/hits', '/v1/batch', '/v1/p.gif', '/b.js', '/b.3f9a0c1d.js'];
      // Through CloudFront every request to the ALB carries the origin header when one is configured.
      const headers = r.stack.config.originVerifySecret
        ? { [ORIGIN_VERIFY_HEADER.toLowerCase()]: r.stack.config.originVerifySecret }
        : {};
      for (const order of permutations(rules.map((x) => x.priority))) {
        const reordered = rules.map((x, i) => ({ ...x, priority: order[i] as number }));
        for (const path of PROBES) {
          const action = listenerAction(https.inputs.defaultActions, reordered, { path, headers });
          if (action.type !== 'forward') continue;
          // Forwarded: the collector's router must not serve it as an operational route.
          const res = await app.inject({ method: 'GET', url: path });
          expect(res.statusCode, path).toBe(404);
        }
      }
      for (const path of publicPaths)
        expect(listenerAction(https.inputs.defaultActions, rules, { path, headers })).toEqual({
          type: 'forward',
          targetGroupArn: tgArn,
        });
      for (const path of OPERATIONAL_PATHS)
        expect(
          listenerAction(https.inputs.defaultActions, rules, { path, headers }).fixedResponse.statusCode,
        ).toBe('404');
      await app.close();
      // The ALB's health check asks the target's private port directly; metrics are scraped there
      // on the host; the listener forwards to the other port.
      const tg = one('aws:lb/targetGroup:TargetGroup').inputs;
      expect(tg.healthCheck).toMatchObject({ path: '/readyz', port: '9090' });
      expect(tg.port).toBe(8080);
      const script = Buffer.from(one(T.launchTemplate).inputs.userData, 'base64').toString('utf8');
      expect(script).toMatch(/targets: \['127\.0\.0\.1:9090'\]/);
      expect(script).toContain('ALT_PORT=8080 ALT_PRIVATE_PORT=9090');
    });

    it(
      prod
        ? 'prod lake: bucket and its KMS key are protected and retained on delete'
        : 'dev lake: bucket and key can be destroyed with the stack',
      async () => {
        const bucketName = r.stack.lake.bucket;
        const keyArn = await resolve(r.stack.lake.key.arn);
        const bucketId = await resolve(bucketName.id);
        const enc = all(T.bucketEncryption).find((e) => e.inputs.bucket === bucketId)!;
        expect(enc.inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId).toBe(keyArn);
        for (const name of [`${T.bucket}::${p}-lake`, `aws:kms/key:Key::${p}-lake-key`]) {
          expect(r.options.get(name), name).toMatchObject({ protect: prod, retainOnDelete: prod });
        }
      },
    );
  });

  if (prod) {
    describe('prod edge with an origin secret', () => {
      const secret = 'k3Yq8v_Zt-2mWnX4pL9sR6uB1cD5eF7gH0jA';
      let r: ProgramRun;
      beforeAll(async () => {
        r = await runEdgeProgram('prod', { originVerifySecret: secret });
      });
      afterAll(() => rmSync(r.artifacts, { recursive: true, force: true }));

      it('CloudFront adds the header to the ALB origin; the listener forwards only requests carrying it, 403 otherwise', async () => {
        const dist = r.run.resources.find((x) => x.type === T.distribution)!.inputs as Inputs;
        const alb = (dist.origins as Inputs[]).find((o) => o.customOriginConfig)!;
        expect(alb.customHeaders).toEqual([{ name: ORIGIN_VERIFY_HEADER, value: secret }]);
        const listenerArn = await resolve((r.stack.edge as Edge).httpsListener.arn);
        const tgArn = await resolve(r.stack.edge.targetGroup.arn);
        const https = r.run.resources.find((x) => x.type === T.listener && x.inputs.protocol === 'HTTPS')!;
        const rules = r.run.resources
          .filter((x) => x.type === T.listenerRule && x.inputs.listenerArn === listenerArn)
          .map((x) => x.inputs as unknown as AlbRule);
        const at = (path: string, headers: Record<string, string> = {}) =>
          listenerAction(https.inputs.defaultActions as Inputs[], rules, { path, headers });
        const fromCdn = { [alb.customHeaders[0].name.toLowerCase()]: alb.customHeaders[0].value };
        for (const path of ['/v1/hits', '/v1/p.gif', '/b.js']) {
          expect(at(path, fromCdn)).toEqual({ type: 'forward', targetGroupArn: tgArn });
          expect(at(path).fixedResponse.statusCode).toBe('403');
          expect(at(path, { [ORIGIN_VERIFY_HEADER.toLowerCase()]: 'guess' }).fixedResponse.statusCode).toBe(
            '403',
          );
        }
        expect(at('/metrics', fromCdn).fixedResponse.statusCode).toBe('404');
        expect(runAllChecks(r.run.resources)).toEqual([]);
      });
    });
  }
}

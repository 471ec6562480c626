/**
 * Beacon delivery: a private bucket readable only by this CloudFront distribution (origin access
 * control, SigV4, `AWS:SourceArn` condition), `b.<hash>.js` cached for a year as immutable, `b.js`
 * (the stable name in snippets) for a minute, a response headers policy (CORS, nosniff), HTTP/2+3,
 * and optionally `/v1/*` forwarded uncached to the ALB so a site can use one hostname for both.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { attachBucketPolicy, createPrivateBucket, type PrivateBucket } from './private-bucket.ts';

export interface BeaconCdnArgs {
  /** Folder with the built beacon: `b.js` and `b.<hash>.js`. */
  beaconDir: string;
  priceClass: string;
  domainName?: string;
  certificateArn?: string;
  /** ALB hostname matching its certificate; when set, `/v1/*` goes to the ALB. */
  apiOriginDomain?: string;
  /** Header (name, value) added to every request to the ALB origin; the ALB forwards only those. */
  originVerifyHeader?: { name: string; value: pulumi.Input<string> };
  /** ARN of a CloudFront-scoped WAF web ACL (us-east-1) for the whole distribution. */
  webAclArn?: pulumi.Input<string>;
}

export const IMMUTABLE_TTL_SECONDS = 31_536_000;
export const STABLE_TTL_SECONDS = 60;
/** AWS managed cache policy CachingDisabled (fixed id). */
export const MANAGED_CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
/**
 * AWS managed origin request policy AllViewerExceptHostHeader (fixed id): every viewer header but
 * `Host`, all query strings and cookies, plus the CloudFront headers. Without the viewer's Host,
 * CloudFront sends the origin's own domain (the ALB hostname its certificate names); with it (as
 * AllViewer and AllViewerAndCloudFrontHeaders-2022-06 forward it) the TLS handshake with the ALB
 * fails on the name and CloudFront answers 502. With caching disabled, forwarding all viewer
 * headers also forwards `Authorization` (the `/v1/batch` write key), which an origin request policy
 * cannot name on its own. Origin (CORS), User-Agent, Referer, Sec-GPC/DNT pass as viewer headers.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-502-bad-gateway.html
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-401-unauthorized.html
 */
export const MANAGED_ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
/** The origin request policies that forward the viewer's Host (AllViewer, AllViewerAndCloudFrontHeaders-2022-06). */
export const HOST_FORWARDING_ORIGIN_REQUEST_POLICIES = [
  '216adef6-5c7f-47e4-b989-5492eafa07d3',
  '33f36d7e-f396-46d9-90e0-52428a34d9dc',
];

const HASHED = /^b\.[0-9a-zA-Z_-]+\.js$/;

/** Cache-Control for a beacon file: hashed names never change, the stable name must update quickly. */
export function beaconCacheControl(file: string): string {
  return HASHED.test(file)
    ? `public, max-age=${IMMUTABLE_TTL_SECONDS}, immutable`
    : `public, max-age=${STABLE_TTL_SECONDS}, stale-while-revalidate=300`;
}

export class BeaconCdn extends pulumi.ComponentResource {
  readonly storage: PrivateBucket;
  readonly bucketPolicy: aws.s3.BucketPolicy;
  readonly originAccessControl: aws.cloudfront.OriginAccessControl;
  readonly immutablePolicy: aws.cloudfront.CachePolicy;
  readonly stablePolicy: aws.cloudfront.CachePolicy;
  readonly headersPolicy: aws.cloudfront.ResponseHeadersPolicy;
  readonly distribution: aws.cloudfront.Distribution;
  readonly objects: aws.s3.BucketObjectv2[];
  readonly domainName: pulumi.Output<string>;

  constructor(name: string, args: BeaconCdnArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:beacon:BeaconCdn', name, {}, opts);
    const parent = { parent: this };
    const files = readdirSync(args.beaconDir).filter((f) => f.endsWith('.js'));
    if (!files.includes('b.js')) {
      throw new Error(
        `beacon: ${args.beaconDir} has no b.js — build the beacon (infra/build) before deploying`,
      );
    }

    // The bucket policy names the distribution, which needs the bucket: the policy comes last.
    this.storage = createPrivateBucket(name, { versioning: false, deferPolicy: true }, this);
    const bucket = this.storage.bucket;
    this.objects = files.map(
      (file) =>
        new aws.s3.BucketObjectv2(
          `${name}-${file}`,
          {
            bucket: bucket.id,
            key: file,
            source: new pulumi.asset.FileAsset(path.join(args.beaconDir, file)),
            contentType: 'text/javascript; charset=utf-8',
            cacheControl: beaconCacheControl(file),
          },
          parent,
        ),
    );
    this.originAccessControl = new aws.cloudfront.OriginAccessControl(
      `${name}-oac`,
      { originAccessControlOriginType: 's3', signingBehavior: 'always', signingProtocol: 'sigv4' },
      parent,
    );
    const cachePolicy = (id: string, ttl: number) =>
      new aws.cloudfront.CachePolicy(
        `${name}-${id}`,
        {
          minTtl: ttl === IMMUTABLE_TTL_SECONDS ? ttl : 0,
          defaultTtl: ttl,
          maxTtl: ttl === IMMUTABLE_TTL_SECONDS ? ttl : 300,
          parametersInCacheKeyAndForwardedToOrigin: {
            enableAcceptEncodingGzip: true,
            enableAcceptEncodingBrotli: true,
            cookiesConfig: { cookieBehavior: 'none' },
            headersConfig: { headerBehavior: 'none' },
            queryStringsConfig: { queryStringBehavior: 'none' },
          },
        },
        parent,
      );
    this.immutablePolicy = cachePolicy('immutable', IMMUTABLE_TTL_SECONDS);
    this.stablePolicy = cachePolicy('stable', STABLE_TTL_SECONDS);
    this.headersPolicy = new aws.cloudfront.ResponseHeadersPolicy(
      `${name}-headers`,
      {
        corsConfig: {
          accessControlAllowCredentials: false,
          accessControlAllowHeaders: { items: ['*'] },
          accessControlAllowMethods: { items: ['GET', 'HEAD'] },
          accessControlAllowOrigins: { items: ['*'] },
          accessControlMaxAgeSec: 86_400,
          originOverride: true,
        },
        securityHeadersConfig: {
          contentTypeOptions: { override: true },
          strictTransportSecurity: {
            accessControlMaxAgeSec: 31_536_000,
            includeSubdomains: true,
            override: true,
          },
        },
      },
      parent,
    );
    const s3OriginId = 'beacon-s3';
    const albOriginId = 'collector-alb';
    const beaconBehavior = {
      targetOriginId: s3OriginId,
      viewerProtocolPolicy: 'redirect-to-https',
      allowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      cachedMethods: ['GET', 'HEAD'],
      compress: true,
      responseHeadersPolicyId: this.headersPolicy.id,
    };
    this.distribution = new aws.cloudfront.Distribution(
      `${name}-cdn`,
      {
        enabled: true,
        isIpv6Enabled: true,
        httpVersion: 'http2and3',
        priceClass: args.priceClass,
        aliases: args.domainName ? [args.domainName] : [],
        origins: [
          {
            originId: s3OriginId,
            domainName: bucket.bucketRegionalDomainName,
            originAccessControlId: this.originAccessControl.id,
          },
          ...(args.apiOriginDomain
            ? [
                {
                  originId: albOriginId,
                  domainName: args.apiOriginDomain,
                  customOriginConfig: {
                    httpPort: 80,
                    httpsPort: 443,
                    originProtocolPolicy: 'https-only',
                    originSslProtocols: ['TLSv1.2'],
                    originKeepaliveTimeout: 60,
                  },
                  customHeaders: args.originVerifyHeader
                    ? [
                        {
                          name: args.originVerifyHeader.name,
                          value: pulumi.secret(args.originVerifyHeader.value),
                        },
                      ]
                    : [],
                },
              ]
            : []),
        ],
        defaultCacheBehavior: { ...beaconBehavior, cachePolicyId: this.stablePolicy.id },
        orderedCacheBehaviors: [
          ...(args.apiOriginDomain
            ? [
                {
                  pathPattern: '/v1/*',
                  targetOriginId: albOriginId,
                  viewerProtocolPolicy: 'https-only',
                  allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
                  cachedMethods: ['GET', 'HEAD'],
                  compress: false,
                  cachePolicyId: MANAGED_CACHING_DISABLED,
                  originRequestPolicyId: MANAGED_ALL_VIEWER_EXCEPT_HOST_HEADER,
                },
              ]
            : []),
          { ...beaconBehavior, pathPattern: '/b.*.js', cachePolicyId: this.immutablePolicy.id },
        ],
        restrictions: { geoRestriction: { restrictionType: 'none' } },
        webAclId: args.webAclArn,
        viewerCertificate: args.certificateArn
          ? {
              acmCertificateArn: args.certificateArn,
              sslSupportMethod: 'sni-only',
              minimumProtocolVersion: 'TLSv1.2_2021',
            }
          : { cloudfrontDefaultCertificate: true },
      },
      parent,
    );
    this.bucketPolicy = attachBucketPolicy(
      name,
      this.storage,
      [
        {
          Sid: 'CloudFrontReadOnly',
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: pulumi.interpolate`${bucket.arn}/*`,
          Condition: { StringEquals: { 'AWS:SourceArn': this.distribution.arn } },
        },
      ],
      this,
    );
    this.domainName = this.distribution.domainName;
    this.registerOutputs({ domainName: this.domainName, bucketName: bucket.bucket });
  }
}

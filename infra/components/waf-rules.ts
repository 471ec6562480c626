/**
 * The web ACL's rules: a per-IP rate limit, AWS managed rule groups, and query-size bounds that fit
 * what the collector accepts. The common rule set's own size rules are blanket limits (2 KB query,
 * 8 KB body) that valid ALT traffic exceeds, so they only count, and our own rules bound the query
 * per route instead. Shared by the regional ACL (ALB) and the CloudFront ACL.
 */
import { maxHeaderSize } from 'node:http';
import { PixelQuerySchema } from '../../schemas/wire.ts';

export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
];

/**
 * The common rule set's size rules and the part and byte limit each one blocks above.
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
 * ("Core rule set (CRS) managed rule group": SizeRestrictions_QUERYSTRING 2,048 bytes,
 * SizeRestrictions_BODY 8 KB, SizeRestrictions_URIPATH 1,024 bytes, SizeRestrictions_Cookie_HEADER 10,240 bytes).
 */
export const MANAGED_SIZE_RULES = [
  { group: 'AWSManagedRulesCommonRuleSet', rule: 'SizeRestrictions_QUERYSTRING', part: 'query', limit: 2048 },
  { group: 'AWSManagedRulesCommonRuleSet', rule: 'SizeRestrictions_BODY', part: 'body', limit: 8192 },
  { group: 'AWSManagedRulesCommonRuleSet', rule: 'SizeRestrictions_URIPATH', part: 'path', limit: 1024 },
] as const;

/** The managed size rules ALT turns to COUNT: each blocks valid collector traffic (see `collectorSizes`). */
export const COUNTED_MANAGED_RULES = ['SizeRestrictions_QUERYSTRING', 'SizeRestrictions_BODY'];

/** The query-string bound on every path but the pixel: the common rule set's own 2 KB. */
export const DEFAULT_QUERY_MAX_BYTES = 2048;
export const PIXEL_PATH = '/v1/p.gif';

/** The JSON Schema keywords the bound reads (typebox schemas are plain JSON Schema objects). */
interface Schema {
  type?: string;
  pattern?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  const?: unknown;
  anyOf?: Schema[];
}

/** Characters a schema's pattern admits: only ASCII when it is an anchored ASCII class (app ids). */
const ASCII_ONLY = (s: Schema) => typeof s.pattern === 'string' && /^\^[\w[\]{}\-^$]*\$$/.test(s.pattern);

/** Longest percent-encoded form of one field value the schema accepts. */
function maxEncodedValueBytes(s: Schema): number {
  if (Array.isArray(s.anyOf)) return Math.max(...s.anyOf.map(maxEncodedValueBytes));
  if (s.const !== undefined) return encodeURIComponent(String(s.const)).length;
  if (s.type === 'integer' || s.type === 'number') {
    const bounds = [s.minimum ?? -Number.MAX_SAFE_INTEGER, s.maximum ?? Number.MAX_SAFE_INTEGER] as number[];
    return Math.max(...bounds.map((n) => String(n).length));
  }
  if (s.type === 'string' && s.maxLength === undefined && s.pattern && ASCII_ONLY(s)) {
    // A fixed-shape ASCII pattern (`^alt_[0-9A-Za-z]{22}$`): literal characters and [class]{n}.
    const body = s.pattern
      .slice(1, -1)
      .replace(/\[[^\]]*\](?:\{(?:\d+,)?(\d+)\})?/g, (_m, n) => 'x'.repeat(Number(n ?? 1)));
    if (/[[\]{}]/.test(body)) throw new Error(`waf-rules: cannot bound pattern ${s.pattern}`);
    return body.length * 3;
  }
  if (s.type === 'string' && typeof s.maxLength === 'number') {
    // A code point is at most 4 UTF-8 bytes, each at most 3 characters (%XX) once URL-encoded;
    // ASCII-only patterns (app ids) at most 3 per character.
    return s.maxLength * (ASCII_ONLY(s) ? 3 : 12);
  }
  throw new Error(`waf-rules: no size bound for schema ${JSON.stringify(s)}`);
}

/**
 * The longest pixel query string the collector accepts: every field of `PixelQuerySchema` at its
 * longest URL-encoded form (url and referrer 2,048 characters each), joined with `&` — capped by
 * Node's HTTP parser, which refuses a request line plus headers above `http.maxHeaderSize`
 * (16 KiB; the collector keeps the default) with 431 before the collector sees it.
 */
export function pixelQueryMaxBytes(): number {
  return Math.min(pixelQuerySchemaMaxBytes(), maxHeaderSize);
}

/** The longest pixel query `PixelQuerySchema` admits, before Node's header limit. */
export function pixelQuerySchemaMaxBytes(): number {
  const props = PixelQuerySchema.properties as unknown as Record<string, Schema>;
  const fields = Object.entries(props).map(([name, s]) => name.length + 1 + maxEncodedValueBytes(s));
  return fields.reduce((a, b) => a + b, 0) + fields.length - 1;
}

export const PIXEL_QUERY_MAX_BYTES = pixelQueryMaxBytes();

const visibility = (metricName: string) => ({
  cloudwatchMetricsEnabled: true,
  sampledRequestsEnabled: true,
  metricName,
});

const pixelPath = {
  byteMatchStatement: {
    fieldToMatch: { uriPath: {} },
    positionalConstraint: 'EXACTLY',
    searchString: PIXEL_PATH,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
};
const queryLongerThan = (size: number) => ({
  sizeConstraintStatement: {
    fieldToMatch: { queryString: {} },
    comparisonOperator: 'GT',
    size,
    textTransformations: [{ priority: 0, type: 'NONE' }],
  },
});

/**
 * Rules of one web ACL. `IP` is the address of the connection WAF sees: the viewer when the ACL is
 * on CloudFront, the client when it is on an ALB that nothing fronts — never a header a client
 * can write (a FORWARDED_IP key takes the first X-Forwarded-For address, which the client sets).
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html
 */
export function webAclRules(rateLimitPer5Min: number) {
  return [
    {
      name: 'rate-per-ip',
      priority: 0,
      action: { block: {} },
      statement: { rateBasedStatement: { limit: rateLimitPer5Min, aggregateKeyType: 'IP' } },
      visibilityConfig: visibility('rate-per-ip'),
    },
    ...MANAGED_RULE_GROUPS.map((group, i) => ({
      name: group,
      priority: i + 1,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name: group,
          ruleActionOverrides:
            group === 'AWSManagedRulesCommonRuleSet'
              ? COUNTED_MANAGED_RULES.map((name) => ({ name, actionToUse: { count: {} } }))
              : undefined,
        },
      },
      visibilityConfig: visibility(group),
    })),
    {
      // The pixel's query carries url and referrer (2 KiB each, URL-encoded): bounded at what the collector accepts.
      name: 'pixel-query-size',
      priority: MANAGED_RULE_GROUPS.length + 1,
      action: { block: {} },
      statement: {
        andStatement: { statements: [pixelPath, queryLongerThan(PIXEL_QUERY_MAX_BYTES)] },
      },
      visibilityConfig: visibility('pixel-query-size'),
    },
    {
      // Everywhere else the common rule set's 2 KB query limit still holds.
      name: 'query-size',
      priority: MANAGED_RULE_GROUPS.length + 2,
      action: { block: {} },
      statement: {
        andStatement: {
          statements: [{ notStatement: { statement: pixelPath } }, queryLongerThan(DEFAULT_QUERY_MAX_BYTES)],
        },
      },
      visibilityConfig: visibility('query-size'),
    },
  ];
}

/**
 * Small pure evaluators of the edge's planned rules, so tests ask "what happens to this request"
 * instead of restating the config: which action an ALB listener takes for a path, and whether a
 * web ACL's size rules block a request of given sizes.
 */
import { MANAGED_SIZE_RULES } from '../components/waf-rules.ts';

// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON
type Json = Record<string, any>;

/**
 * ALB path-pattern semantics: case-sensitive, `*` any run of characters (slashes included), `?`
 * exactly one, matched against the whole path (no query string).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
 */
export function albPathMatches(pattern: string, path: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(path);
}

const wildcard = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  ).test(value);

export interface AlbRequest {
  path: string;
  /** Lower-case header names. */
  headers?: Record<string, string>;
}

export interface AlbRule {
  priority: number;
  conditions: Json[];
  actions: Json[];
}

/** Whether every condition of a rule holds for the request (conditions are ANDed, values ORed). */
export function ruleMatches(rule: Pick<AlbRule, 'conditions'>, req: AlbRequest): boolean {
  return rule.conditions.every((c) => {
    if (c.pathPattern) return (c.pathPattern.values as string[]).some((p) => albPathMatches(p, req.path));
    if (c.httpHeader) {
      const value = req.headers?.[String(c.httpHeader.httpHeaderName).toLowerCase()];
      return value !== undefined && (c.httpHeader.values as string[]).some((p) => wildcard(p, value));
    }
    throw new Error(`edge-rules: condition ${Object.keys(c).join(',')} is not modelled`);
  });
}

/** The action the listener takes: the lowest-priority rule that matches, else the default action. */
export function listenerAction(defaultActions: Json[], rules: AlbRule[], req: AlbRequest): Json {
  const hit = [...rules].sort((a, b) => a.priority - b.priority).find((r) => ruleMatches(r, req));
  return (hit ? hit.actions : defaultActions)[0] as Json;
}

/**
 * Whether some request for `path` could be forwarded, whatever the rules' order and whatever
 * headers it carries (a header condition is satisfiable: CloudFront adds the secret one).
 */
export function mayForward(
  defaultActions: Json[],
  rules: Pick<AlbRule, 'conditions' | 'actions'>[],
  path: string,
) {
  const pathOnly = (r: Pick<AlbRule, 'conditions'>) => ({
    conditions: r.conditions.filter((c) => c.pathPattern),
  });
  return (
    defaultActions.some((a) => a.type === 'forward') ||
    rules.some((r) => r.actions.some((a) => a.type === 'forward') && ruleMatches(pathOnly(r), { path }))
  );
}

export interface WafRequest {
  path: string;
  queryBytes: number;
  bodyBytes: number;
}

/**
 * Bytes of the body WAF inspects: 8 KB for an ALB, 16 KB by default for CloudFront.
 * https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-setting-body-inspection-limit.html
 */
export const BODY_INSPECTION_LIMIT = { REGIONAL: 8 * 1024, CLOUDFRONT: 16 * 1024 } as const;

const compare = (op: string, a: number, b: number) =>
  ({ GT: a > b, GE: a >= b, LT: a < b, LE: a <= b, EQ: a === b, NE: a !== b })[op] ??
  (() => {
    throw new Error(`edge-rules: comparison ${op}`);
  })();

function statementMatches(s: Json, req: WafRequest, bodyLimit: number): boolean {
  if (s.andStatement)
    return (s.andStatement.statements as Json[]).every((x) => statementMatches(x, req, bodyLimit));
  if (s.orStatement)
    return (s.orStatement.statements as Json[]).some((x) => statementMatches(x, req, bodyLimit));
  if (s.notStatement) return !statementMatches(s.notStatement.statement, req, bodyLimit);
  if (s.byteMatchStatement) {
    const b = s.byteMatchStatement;
    if (!b.fieldToMatch.uriPath) throw new Error('edge-rules: byte match only on uriPath is modelled');
    const needle = String(b.searchString);
    return (
      {
        EXACTLY: req.path === needle,
        STARTS_WITH: req.path.startsWith(needle),
        ENDS_WITH: req.path.endsWith(needle),
        CONTAINS: req.path.includes(needle),
      } as Record<string, boolean>
    )[b.positionalConstraint] as boolean;
  }
  if (s.sizeConstraintStatement) {
    const c = s.sizeConstraintStatement;
    const f = c.fieldToMatch;
    if (f.queryString) return compare(c.comparisonOperator, req.queryBytes, c.size);
    if (f.uriPath) return compare(c.comparisonOperator, Buffer.byteLength(req.path), c.size);
    if (f.body) {
      if (req.bodyBytes > bodyLimit) {
        const o = f.body.oversizeHandling ?? 'CONTINUE';
        if (o === 'MATCH') return true;
        if (o === 'NO_MATCH') return false;
        return compare(c.comparisonOperator, bodyLimit, c.size);
      }
      return compare(c.comparisonOperator, req.bodyBytes, c.size);
    }
    throw new Error(`edge-rules: size constraint on ${Object.keys(f).join(',')} is not modelled`);
  }
  // Rate limits and reputation lists do not depend on size.
  if (s.rateBasedStatement) return false;
  throw new Error(`edge-rules: statement ${Object.keys(s).join(',')} is not modelled`);
}

/**
 * The first rule of a web ACL that blocks the request because of its sizes, or undefined. Managed
 * groups are evaluated through their documented size rules (`MANAGED_SIZE_RULES`) and the ACL's
 * overrides; their content rules (SQLi, XSS…) are out of scope here.
 */
export function wafSizeBlock(acl: Json, req: WafRequest): string | undefined {
  const bodyLimit = BODY_INSPECTION_LIMIT[acl.scope as keyof typeof BODY_INSPECTION_LIMIT];
  const rules = [...(acl.rules as Json[])].sort((a, b) => a.priority - b.priority);
  for (const rule of rules) {
    const managed = rule.statement.managedRuleGroupStatement;
    if (managed) {
      if (rule.overrideAction?.count) continue;
      const counted = new Set(
        ((managed.ruleActionOverrides ?? []) as Json[])
          .filter((o) => !o.actionToUse?.block)
          .map((o) => o.name as string),
      );
      for (const m of MANAGED_SIZE_RULES.filter((x) => x.group === managed.name && !counted.has(x.rule))) {
        const size =
          m.part === 'query'
            ? req.queryBytes
            : m.part === 'body'
              ? req.bodyBytes
              : Buffer.byteLength(req.path);
        if (size > m.limit) return `${managed.name}:${m.rule}`;
      }
      continue;
    }
    if (rule.action?.block && statementMatches(rule.statement, req, bodyLimit)) return rule.name as string;
  }
  return undefined;
}

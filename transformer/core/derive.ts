/**
 * The transformer's schema-2 enrichment hook (DESIGN §3, §5): per kept row, a JSON fragment with the
 * columns derived from stored ones (`browser`, `os`, `url_host`, `channel`, `utm_*`, …), appended
 * to the validated line before its closing brace, so DuckDB's `read_json` parses them with the rest
 * and the line stays the bytes it was (`plan-fold.ts`).
 *
 * `deriveInto` below is what every planning thread uses (the parallel planner's worker imports
 * this module too: a function cannot be posted to it): the enrichment of `transformer/enrich/`
 * (browser, OS and device from the User-Agent; host, path, referrer host, UTM and channel from the
 * URLs), written as bytes into the fold's `FragmentSink`. A fragment must come from `fragmentOf` or
 * the members it is made of: a wrong key or type would fail DuckDB's read of the whole file.
 */
import { TRANSFORMER_DERIVED_COLUMNS } from '../../schemas/columns.ts';
import { acquisition } from '../enrich/acquisition.ts';
import { createUserAgentParser } from '../enrich/user-agent.ts';

/** The stored columns the enrichment reads. */
export interface DeriveInput {
  url: string | null;
  referrer: string | null;
  user_agent: string;
  /** The collector's bot verdict outranks what the User-Agent claims (device `other`). */
  is_bot: boolean;
}

export type TransformerDerivedColumn = (typeof TRANSFORMER_DERIVED_COLUMNS)[number];
export type DerivedFields = Partial<Record<TransformerDerivedColumn, string | null>>;

/** `''` or `,"browser":"Chrome",…`: text to insert before a line's closing `}`. */
export type DeriveFragment = (hit: DeriveInput) => string;

/** No enrichment wired: the derived columns stay NULL. */
export const deriveNothing: DeriveFragment = () => '';

/**
 * Where a row's derived members go (`,"browser":"Chrome",…`), as bytes: the planning fold copies
 * the line up to its closing brace and then these (`plan-fold.ts`).
 */
export interface FragmentSink {
  /** Appends `text` as UTF-8. */
  text(text: string): void;
  /** Appends bytes: a member encoded once for the rows that repeat it. */
  bytes(bytes: Uint8Array): void;
  /**
   * Appends `key` (a member's `,"<column>":` as bytes) and `value` as a JSON string when `value`
   * needs no escaping (`quotesAsIs`); else writes nothing and returns false. One call per member:
   * the per-row path is mostly members, and each call into the sink cost more than a short copy.
   */
  member(key: Uint8Array, value: string): boolean;
}

/**
 * Writes a kept row's derived members into `sink` (nothing when it has none). Bytes rather than a
 * string: the members of a row are mostly the ones of the row before, encoded once, and writing a
 * string made of many pieces into a buffer first copies them into one (measured: that copy cost
 * as much as deriving the values).
 */
export type DeriveInto = (hit: DeriveInput, sink: FragmentSink) => void;

/** A `DeriveFragment` as a `DeriveInto`. */
export function fromFragment(derive: DeriveFragment): DeriveInto {
  return (hit, sink) => {
    const fragment = derive(hit);
    if (fragment !== '') sink.text(fragment);
  };
}

/** What `derive` writes for `hit`, as text. */
export function fragmentText(derive: DeriveInto, hit: DeriveInput): string {
  let out = '';
  derive(hit, {
    text: (text) => {
      out += text;
    },
    bytes: (bytes) => {
      out += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    },
    member: (key, value) => {
      if (!quotesAsIs(value)) return false;
      out += `${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8')}"${value}"`;
      return true;
    },
  });
  return out;
}

/**
 * `,"<column>":` per derived column, made once: the per-row path only looks them up. No prototype,
 * so that only a derived column has one (`toString` does not).
 */
const KEY_PREFIX: Record<string, string | undefined> = Object.assign(
  Object.create(null),
  Object.fromEntries(TRANSFORMER_DERIVED_COLUMNS.map((c) => [c, `,${JSON.stringify(c)}:`])),
);
// ES2024's String.prototype.isWellFormed/toWellFormed (Node ≥ 20), beyond the project's ES2023 lib.
type Es2024String = { isWellFormed(): boolean; toWellFormed(): string };
const wellFormed = (s: string): string => {
  const e = s as unknown as Es2024String;
  return e.isWellFormed() ? s : e.toWellFormed();
};

/**
 * What `JSON.stringify` escapes in a string — `"`, `\`, C0 controls, lone surrogates — with any
 * surrogate standing in for a lone one (pairs are rare in derived values; they take the slow path).
 */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify` writes `value` as it is, between quotes (nearly every derived value). */
export const quotesAsIs = (value: string): boolean => !NEEDS_ESCAPE.test(value);

/**
 * `JSON.stringify(value)` of a well-formed string; `JSON.stringify` costs ~4× the test that
 * spares it. A lone surrogate (a value cut at 256 code units mid-pair) is repaired first: it would
 * fail DuckDB's read of the whole file.
 */
export function jsonString(value: string): string {
  return quotesAsIs(value) ? `"${value}"` : JSON.stringify(wellFormed(value));
}

function notAString(column: string): never {
  throw new Error(`fragmentOf: ${column} must be a string`);
}

/**
 * A function writing the members of the derived columns its argument has, in column order; nulls
 * and absent fields left out (a missing key reads as NULL). Compiled from
 * `TRANSFORMER_DERIVED_COLUMNS` into one read per column by its constant name (V8 caches each such
 * read per call site) and, per column, the last value with its member as bytes once it repeats:
 * consecutive rows mostly share a host, a referrer and a channel (the enrichment then hands back
 * the very same host string), so per row mostly the path is written — as its key's bytes and the
 * string itself, never a string of pieces, which the sink would first have to copy into one. It
 * replaced a `for … in` with a prefix lookup and a `JSON.stringify` per field, which cost more
 * than the URL parsing they rendered.
 */
function compileMembers(): (fields: DerivedFields, sink: FragmentSink) => void {
  const columns = TRANSFORMER_DERIVED_COLUMNS.map((c, i) => ({ name: JSON.stringify(c), i }));
  const body = [
    ...columns.map(
      ({ name, i }) => `const key${i} = encode(prefix[${name}]); let last${i} = null, bytes${i} = null;`,
    ),
    'return function membersOf(f, sink) {',
    '  let v;',
    ...columns.map(({ name, i }) =>
      [
        `  v = f[${name}];`,
        `  if (v === last${i} && v !== null) {`,
        `    if (bytes${i} === null) bytes${i} = encode(prefix[${name}] + q(v));`,
        `    sink.bytes(bytes${i});`,
        '  } else if (v !== null && v !== undefined) {',
        `    if (typeof v !== 'string') bad(${name});`,
        `    last${i} = v;`,
        `    bytes${i} = null;`,
        `    if (!sink.member(key${i}, v)) {`,
        `      sink.bytes(key${i});`,
        '      sink.text(q(v));',
        '    }',
        '  }',
      ].join('\n'),
    ),
    '};',
  ].join('\n');
  return new Function('q', 'bad', 'prefix', 'encode', body)(
    jsonString,
    notAString,
    KEY_PREFIX,
    (text: string) => Buffer.from(text),
  );
}

const checkedMembers = compileMembers();

/**
 * The fragment of derived fields: only the transformer's columns (any other key throws: DuckDB
 * would fail the whole file on it), string values JSON-escaped, nulls and absent fields left out.
 */
export function fragmentOf(fields: DerivedFields): string {
  for (const k in fields) {
    if (KEY_PREFIX[k] === undefined)
      throw new Error(`fragmentOf: ${k} is not a column the transformer derives`);
  }
  return fragmentText((_, sink) => checkedMembers(fields, sink), NO_HIT);
}
/** `fragmentOf` derives from fields in hand, not from a hit. */
const NO_HIT: DeriveInput = { url: null, referrer: null, user_agent: '', is_bot: false };

/**
 * The enrichment as fragments. The User-Agent part is memoised as its finished fragment per
 * distinct (User-Agent, bot verdict) — a batch has few — with the last row's checked first
 * (consecutive hits often share one, a visitor's pageview and events, and comparing two strings is
 * cheaper than hashing one). The URL part is derived per row: a memo of it by URL then referrer
 * measured slower than none (1.2–1.9 against 1.0 µs a hit; hashing each row's fresh strings costs
 * more than the scan), and one keyed on the joined input slower still
 * (bench/experiments/derive-fragment.ts).
 */
export function createEnrichingDeriver(maxUserAgents = 2_000): DeriveInto {
  const parse = createUserAgentParser(maxUserAgents);
  const uaFragments = new Map<string, Uint8Array>();
  const uaFragment = (userAgent: string, isBot: boolean): Uint8Array => {
    const key = isBot ? `\u0000${userAgent}` : userAgent;
    let ua = uaFragments.get(key);
    if (ua === undefined) {
      const d = parse(userAgent);
      ua = Buffer.from(
        fragmentOf({
          browser: d.browser,
          browser_version: d.browser_version,
          os: d.os,
          os_version: d.os_version,
          device_type: isBot ? 'other' : d.device_type,
        }),
      );
      if (uaFragments.size >= maxUserAgents) uaFragments.clear();
      uaFragments.set(key, ua);
    }
    return ua;
  };
  const membersOf = compileMembers();
  let lastUa: string | null = null;
  let lastBot = false;
  let lastFragment: Uint8Array = new Uint8Array(0);
  return (hit, sink) => {
    if (hit.user_agent !== lastUa || hit.is_bot !== lastBot) {
      lastUa = hit.user_agent;
      lastBot = hit.is_bot;
      lastFragment = uaFragment(hit.user_agent, hit.is_bot);
    }
    sink.bytes(lastFragment);
    // `acquisition` returns derived columns only (its type says so): no key check per row.
    membersOf(acquisition(hit.url, hit.referrer), sink);
  };
}

/** What the transformer derives for every kept row. */
export const deriveInto: DeriveInto = createEnrichingDeriver();

/** The same, as text (tests, tools). */
export const deriveFragment: DeriveFragment = (hit) => fragmentText(deriveInto, hit);

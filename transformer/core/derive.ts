/**
 * The transformer's schema-2 enrichment hook (DESIGN §3, §5): per kept row, a JSON fragment with the
 * columns derived from stored ones (`browser`, `os`, `url_host`, `channel`, `utm_*`, …), appended
 * to the validated line before its closing brace, so DuckDB's `read_json` parses them with the rest
 * and the line stays the bytes it was (`plan-fold.ts`).
 *
 * `deriveFragment` below is what every planning thread uses (the parallel planner's worker imports
 * this module too: a function cannot be posted to it): the enrichment of `transformer/enrich/`
 * (browser, OS and device from the User-Agent; host, path, referrer host, UTM and channel from the
 * URLs). A fragment must come from `fragmentOf`: a wrong key or type would fail DuckDB's read of the
 * whole file.
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
 * The enrichment as fragments. The User-Agent part is memoised as its finished fragment per
 * distinct (User-Agent, bot verdict) — a batch has few — and the URL part is derived per row: a
 * memo of it by URL then referrer measured slower than none (1.2–1.9 against 1.0 µs a hit; hashing
 * each row's fresh strings costs more than the scan), and one keyed on the joined input slower
 * still (bench/experiments/derive-fragment.ts).
 */
export function createEnrichingDeriver(maxUserAgents = 2_000): DeriveFragment {
  const parse = createUserAgentParser(maxUserAgents);
  const uaFragments = new Map<string, string>();
  return (hit) => {
    const key = hit.is_bot ? `\u0000${hit.user_agent}` : hit.user_agent;
    let ua = uaFragments.get(key);
    if (ua === undefined) {
      const d = parse(hit.user_agent);
      ua = fragmentOf({
        browser: d.browser,
        browser_version: d.browser_version,
        os: d.os,
        os_version: d.os_version,
        device_type: hit.is_bot ? 'other' : d.device_type,
      });
      if (uaFragments.size >= maxUserAgents) uaFragments.clear();
      uaFragments.set(key, ua);
    }
    return ua + fragmentOf(acquisition(hit.url, hit.referrer));
  };
}

/** What the transformer derives for every kept row. */
export const deriveFragment: DeriveFragment = createEnrichingDeriver();

const DERIVED = new Set<string>(TRANSFORMER_DERIVED_COLUMNS);
/** `,"<column>":` per derived column, made once: the per-row path only looks them up. */
const KEY_PREFIX: Record<string, string> = Object.fromEntries(
  TRANSFORMER_DERIVED_COLUMNS.map((c) => [c, `,${JSON.stringify(c)}:`]),
);
// ES2024's String.prototype.isWellFormed/toWellFormed (Node ≥ 20), beyond the project's ES2023 lib.
type Es2024String = { isWellFormed(): boolean; toWellFormed(): string };
const wellFormed = (s: string): string => {
  const e = s as unknown as Es2024String;
  return e.isWellFormed() ? s : e.toWellFormed();
};

/**
 * The fragment of derived fields: only the transformer's columns, string values JSON-escaped, nulls
 * and absent fields left out (a missing key reads as NULL). Per row, so it allocates nothing but the
 * result: `for … in` rather than `Object.entries`, key text made once (measured: the generic version
 * was 41% of the enrichment's time). Memoise it per input, not the fields.
 */
export function fragmentOf(fields: DerivedFields): string {
  let out = '';
  for (const k in fields) {
    const v = fields[k as TransformerDerivedColumn];
    if (!DERIVED.has(k)) throw new Error(`fragmentOf: ${k} is not a column the transformer derives`);
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string') throw new Error(`fragmentOf: ${k} must be a string`);
    // A lone surrogate (a value cut at 256 code units mid-pair) would fail DuckDB's whole file.
    out += KEY_PREFIX[k] + JSON.stringify(wellFormed(v));
  }
  return out;
}

/**
 * The collector's port to a country database (DESIGN §3: `country` is looked up from the full
 * client address before it is masked, the one schema-2 column the transformer cannot derive).
 * `buildServer` takes one as `deps.countries`; `main.ts` picks the implementation.
 */

export interface CountryLookup {
  /** ISO 3166-1 alpha-2, upper case, for a full (unmasked) IPv4 or IPv6 address; null when unknown. */
  lookup(fullIp: string): string | null;
}

/** No country database wired: every row's `country` is NULL. */
export const NO_COUNTRY_LOOKUP: CountryLookup = { lookup: () => null };

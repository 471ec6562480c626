/**
 * What the core beacon (`beacon.ts`) and its add-ons (`vitals.ts`) share: types, the add-on
 * contract, and `guard`. Each script bundles its own copy (esbuild inlines this module).
 */

export type Hit = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: the page calls us with anything
export type Fn = (...args: any[]) => unknown;
/** `q`: calls queued by the stub (each an `arguments`); `v`: set by the running core. */
export type Alt = Fn & { q?: ArrayLike<unknown>[]; v?: number };

/** The core's hit function: queues one hit (`extra` overrides the defaults, `url` included). */
export type HitFn = (event_type: string, extra: Hit) => void;

/**
 * An add-on is a function the page's `alt` is called with, `alt(addon)` (queued by the stub when
 * the core has not run yet). The core calls it once with its own `hit` and `flush`, and from then
 * on sends every hit through the function the add-on returns — so an add-on sees each SPA
 * pageview before it is queued, and what it sends uses the core's endpoint, ids and transport.
 * An add-on is only ever registered after the core's first pageview.
 */
export type AddOn = (hit: HitFn, flush: () => void) => HitFn;

/** Every entry point goes through this: our errors never reach the page. */
export function guard<F extends Fn>(f: F): F {
  return function (this: unknown) {
    try {
      // biome-ignore lint/complexity/noArguments: forwards any arity
      f.apply(this, arguments as unknown as unknown[]);
    } catch {
      // swallowed on purpose: nothing we can do without disturbing the page
    }
  } as F;
}

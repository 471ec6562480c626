/**
 * The ALT beacon (DESIGN §8): one readable source, minified by `beacon/build.ts` into `b.js`.
 *
 * Isolation rules, in order of importance:
 * - exactly one global (`alt`); everything else lives in this module's closure;
 * - every entry point (the `alt` function, listeners, the flush timer, the history wrappers'
 *   own part) catches its own errors, so a bug here never reaches the page and a page error
 *   (its handlers, its patched builtins) cannot stop the beacon;
 * - `fetch`, `sendBeacon`, `JSON.stringify` and `Object.assign` are captured when the script runs,
 *   so a page that patches them later cannot break or observe delivery. The trade-off: a page
 *   that replaced them *before* the beacon loaded gives us its version, and a wrapper that a
 *   monitoring tool installs later does not see our requests (this is usually what sites want);
 * - no prototype is touched; `history.pushState/replaceState` are wrapped as own properties of
 *   `history` (the only patching, for SPA pageviews) and restored by `alt('stop')` if still ours;
 * - add-ons (the Web Vitals one, `vitals.ts`) plug in through `alt(fn)` (shared.ts `AddOn`) and send
 *   through our `hit`, so nothing here grows with them but that one line.
 *
 * Wire format: `POST <api>/v1/hits`, body a JSON array of hits as `text/plain` (no CORS preflight).
 * Only fields of `schemas/wire.ts` `BeaconHitSchema` are sent; `undefined` members are dropped by
 * JSON.stringify. The server sets the time of arrival as `timestamp`: hits leave within a tick.
 *
 * Transport: `fetch` with `keepalive` (the request outlives the page, as sendBeacon's does, so
 * pagehide flushes arrive) and `credentials: 'omit'`. No credentials means no cookies for the
 * collector, whatever the browser holds for its host (ALT is cookieless), and one connection: the
 * snippet fetches the script without credentials too (`crossorigin="anonymous"`, which SRI needs),
 * and browsers pool connections by whether credentials are sent, so sendBeacon (always
 * credentialed) took a second TLS connection for every new visitor (measured in Chromium,
 * test/browser/beacon-inline.integration.test.ts). Default `cors` mode: the collector answers every
 * post with Access-Control-Allow-Origin except an origin it refuses. A rejected fetch is never
 * sent again: it may have been delivered (a refused origin, a connection lost after sending), and
 * a second copy would count twice. sendBeacon is the fallback only where fetch throws (no fetch at
 * all, or a page's throwing replacement). Browsers without `keepalive` (Firefox before 133) send
 * the fetch too, but may cut a request still in flight when the page goes.
 */

import { type AddOn, type Alt, type Fn, guard, type Hit, type HitFn } from './shared.ts';

const W = window as unknown as Window & { alt?: Alt };
const D = document;
const N = navigator as Navigator & { globalPrivacyControl?: boolean };
const H = history as History & Record<string, unknown>;
/** Event options copied onto the hit when set (anything else would make the collector refuse it). */
const EVENT_FIELDS = 'status status_code response_time_ms module_id request_id metadata'.split(' ');
const HISTORY_METHODS = ['pushState', 'replaceState'];
const prior = W.alt;

// A second copy of the script (snippet pasted twice) must not track twice.
// (No `?.` in this file: at ES2017 esbuild expands it into longer code.)
// biome-ignore lint/complexity/useOptionalChain: size
if (!(prior && prior.v)) guard(start)();

function start(): void {
  const script = D.currentScript as HTMLScriptElement;
  const data = script.dataset;
  const api = `${data.api || new URL(script.src).origin}/v1/hits`;

  // Captured now: later monkey-patching by the page cannot reach us (see the header).
  const stringify = JSON.stringify;
  const assign = Object.assign;
  const fetchRef = W.fetch;
  const beaconRef = N.sendBeacon.bind(N);

  // Privacy: the site opts in to honouring GPC/DNT; then nothing is sent and nothing patched.
  // (Boolean attributes: present = on, e.g. data-respect-dnt="true"; leave them out for off.)
  // (Truthy means stopped: a real boolean costs bytes.)
  let stopped: unknown = data.respectDnt && (N.globalPrivacyControl || +N.doNotTrack!);

  // Opt-in session id, per tab, in sessionStorage (never a cookie).
  let session: string | undefined;
  if (data.session)
    guard(() => {
      const store = sessionStorage as Storage & { alt_sid?: string };
      session = store.alt_sid = store.alt_sid || `${Math.random()}`.slice(2);
    })();

  // Navigation Timing, for the first pageview only: HTTP status (0 = unknown: cross-origin
  // redirect, or a browser without responseStatus) and time to the last byte of the document.
  const nav = (performance.getEntriesByType('navigation')[0] || {}) as PerformanceNavigationTiming;
  let timing: Hit | 0 = {
    status_code: nav.responseStatus || undefined,
    response_time_ms: nav.responseEnd | 0 || undefined,
  };

  /** An http(s) URL as the collector accepts it (≤ 2 KiB, no fragment), or undefined (file:, android-app:). */
  const absolute = (url: string) => (/^http/.test(url) ? url.split('#')[0].slice(0, 2048) : undefined);

  /** Hits of the current tick, already serialised. */
  const queue: string[] = [];
  let lastUrl: string | undefined;

  let hit: HitFn = (event_type, extra) => {
    if (stopped) return;
    queue.push(
      stringify(
        assign(
          {
            // data-app is required: without it the collector answers 400, visible in devtools.
            app_id: data.app,
            event_type,
            url: absolute(location.href),
            // `|| undefined`: an empty attribute is no value (the collector refuses "")
            client_sub_id: data.sub || undefined,
            module_id: data.module || undefined,
            session_id: session,
          },
          extra,
        ),
      ),
    );
    // Hits made in the same tick leave together, in one request.
    if (queue.length < 2) setTimeout(flush); // (no delay: 0 is the default)
  };

  const flush = guard(() => {
    // Hits are serialised one by one and joined: a page's Array.prototype.toJSON (old
    // Prototype.js) cannot garble the array. ≤ 50 hits per request, as the collector allows.
    while (queue.length) {
      const body = `[${queue.splice(0, 50).join()}]`;
      // Transport and why: see the header. `.catch`: no unhandled rejection on the page.
      try {
        fetchRef(api, { method: 'POST', keepalive: true, body, credentials: 'omit' }).catch((e) => e);
      } catch {
        beaconRef(api, body); // fetch threw before sending: nothing went out
      }
    }
  });

  const pageview = guard(() => {
    const url = absolute(location.href);
    // The same URL twice in a row (replaceState, hash moves) is one view.
    if (url && url !== lastUrl) {
      hit('pageview', assign({ referrer: lastUrl || absolute(D.referrer) }, timing as Hit));
      lastUrl = url;
      timing = 0;
    }
  });

  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    // (A page listener added before ours that calls stopImmediatePropagation hides the event
    // from us; capture phase does not help for events dispatched at window in Chromium.)
    W[method]('popstate', pageview);
    W[method]('pagehide', flush);
    D[method]('visibilitychange', flush);
  };

  const alt: Alt = guard((command?: unknown, name?: unknown, options: Hit = {}) => {
    if (command === 'event' && name) {
      const extra: Hit = { event_name: (name as string).slice(0, 128) };
      for (const k of EVENT_FIELDS) {
        const v = options[k];
        // Numbers are integers on the wire (`performance.now()` differences are not): truncated.
        if (v != null) extra[k] = typeof v === 'number' ? v | 0 : v;
      }
      hit('event', extra);
    }
    // An add-on (shared.ts `AddOn`): from now on every hit goes through what it returns. Only our
    // add-ons call this; a page that passes some other function gets what it asked for.
    if ((command as Fn).call) hit = (command as AddOn)(hit, flush);
    if (command === 'stop') {
      flush();
      listen('removeEventListener'); // harmless when nothing was added (DNT)
      stopped = true;
      // Restore history methods that are still our wrappers (marked with the original as `o`);
      // one the page wrapped again after us stays, and keeps working.
      for (const method of HISTORY_METHODS) {
        const current = H[method] as Fn & { o?: Fn };
        if (current.o) H[method] = current.o;
      }
    }
  });
  alt.v = 1;
  W.alt = alt;

  if (!stopped) {
    for (const method of HISTORY_METHODS) {
      const original = H[method] as Fn;
      const ours = function (this: unknown) {
        // The page's call keeps its own result and errors; pageview() guards itself.
        // biome-ignore lint/complexity/noArguments: forwards any arity, as the original takes
        const result = original.apply(this, arguments as unknown as unknown[]);
        pageview();
        return result;
      };
      ours.o = original;
      H[method] = ours;
    }
    listen('addEventListener');
  }

  pageview();
  // biome-ignore lint/complexity/useOptionalChain: size
  for (const args of (prior && prior.q) || []) alt.apply(0, args as unknown[]);
}

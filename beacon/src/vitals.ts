/**
 * The Web Vitals add-on (opt-in, `b.vitals-<hash>.js`, built by `beacon/build.ts` next to the core).
 * Once per page view it sends one `event` hit named `web_vitals` with `lcp_ms`, `inp_ms`, `cls`,
 * `fcp_ms` and `ttfb_ms` (DESIGN §3), through the core beacon (shared.ts `AddOn`): same endpoint,
 * app id, sub/module/session ids, URL rules and transport. It adds no identifier of its own.
 *
 * When: the first time the page is hidden (`visibilitychange` to hidden, or `pagehide`), or on an
 * SPA route change (the core's pageview, which the add-on sees first: the hit goes out with the
 * old view's URL, in the same request as the new pageview), whichever comes first; then it starts
 * over for the next view. What happens after the first hide of a view is not sent: there is no
 * view id in the lake to tell a second report from another view.
 *
 * How each metric is measured (the method of Google's `web-vitals` library, simplified to fit the
 * 1 KiB budget), from buffered `PerformanceObserver`s, so entries from before this script ran count:
 * - LCP: the last `largest-contentful-paint` entry (browsers stop emitting them at the first input);
 * - FCP: the `first-contentful-paint` `paint` entry;
 * - TTFB: Navigation Timing `responseStart`;
 *   these three are times since the navigation (or the activation of a prerendered page), belong
 *   to the document load only (not to SPA views), and are left out when the page was hidden before
 *   the add-on ran (like `web-vitals`' `initHiddenTime`: a background tab's paints are not what a
 *   visitor waited for);
 * - INP: `event` entries (durationThreshold 16 ms, the minimum) and `first-input`, grouped by
 *   `interactionId` (the longest entry of each); the worst interaction, skipping one per 50
 *   interactions seen — `web-vitals`' p98 approximation, but counting only interactions slower than
 *   16 ms (the browser hides faster ones), so on busy pages it leans towards the worst. Of the
 *   interactions before this script ran, the browser buffers only those of ≥ 104 ms (and the first
 *   input) — the slow ones INP is about (WPT event-timing/min-duration-threshold.html and
 *   buffered-and-duration-threshold.html);
 * - CLS: `layout-shift` entries without recent input, in session windows (gaps < 1 s, ≤ 5 s long),
 *   the largest window; 0 when the browser supports layout shifts and none happened.
 * A metric the browser did not report is left out (never 0 for unknown); a view with none is not
 * sent. Times are whole milliseconds (times over an hour are dropped as implausible), CLS has 4
 * decimals.
 */

import { type AddOn, type Alt, guard, type Hit, type HitFn } from './shared.ts';

type Entry = PerformanceEntry & { value: number; hadRecentInput?: boolean; interactionId?: number };

/** Above this a time is not a measurement of this view (and the collector would refuse it). */
const MAX_MS = 3_600_000;

const W = window as unknown as Window & { alt?: Alt };
const D = document;
const P = performance;
const M = Math;

const addon: AddOn = (hit, flush) => {
  // Registered twice (the snippet pasted twice): the first copy already measures.
  if ((hit as HitFn & { w?: 1 }).w) return hit;
  const supported = PerformanceObserver.supportedEntryTypes;
  const nav = (P.getEntriesByType('navigation')[0] || {}) as PerformanceNavigationTiming & {
    activationStart?: number;
  };
  const activation = nav.activationStart || 0;
  /** Paints of a page hidden before we ran are not what the visitor waited for. */
  const visible = !D.hidden;
  /** The view is the document load: LCP, FCP and TTFB are its metrics (an SPA view has none). */
  let initial = 1;
  let sent: unknown;
  let lcp: number;
  let fcp: number;
  let cls: number;
  let win: number;
  let winStart: number;
  let lastShift: number;
  /** the longest entry of each interaction, by interactionId */
  let interactions: Record<number, number>;

  const reset = () => {
    sent = 0;
    lcp = fcp = Number.NaN;
    cls = win = winStart = lastShift = 0;
    interactions = {};
  };
  reset();

  const record = (entries: Entry[]) => {
    for (const e of entries) {
      const type = e.entryType;
      const at = e.startTime;
      const id = e.interactionId;
      if (type === 'layout-shift') {
        if (!e.hadRecentInput) {
          // A shift within 1 s of the last and 5 s of the window's first joins the window.
          if (win && at - lastShift < 1000 && at - winStart < 5000) win += e.value;
          else {
            win = e.value;
            winStart = at;
          }
          lastShift = at;
          cls = M.max(cls, win);
        }
      } else if (id) interactions[id] = M.max(interactions[id] || 0, e.duration);
      else if (type === 'largest-contentful-paint') lcp = at;
      else if (e.name === 'first-contentful-paint') fcp = at;
    }
  };

  const observer = new PerformanceObserver(
    guard((list: PerformanceObserverEntryList) => record(list.getEntries() as Entry[])),
  );
  for (const type of ['largest-contentful-paint', 'paint', 'layout-shift', 'event', 'first-input'])
    if (supported.includes(type))
      observer.observe({ type, buffered: true, durationThreshold: 16 } as PerformanceObserverInit);

  /** Queues this view's hit, once; `url` is the view's URL when it is no longer the current one. */
  const send = (url?: unknown) => {
    record(observer.takeRecords() as Entry[]);
    if (sent) return;
    sent = 1;
    const v: Hit = {};
    // NaN (not reported) and implausible times are left out.
    const time = (key: string, ms: number) => {
      if (ms >= 0 && ms < MAX_MS) v[key] = M.round(ms);
    };
    const worst = Object.values(interactions).sort((a, b) => b - a);
    time('inp_ms', worst[M.min(worst.length / 50, worst.length - 1) | 0]);
    if (initial) {
      if (visible) {
        time('lcp_ms', M.max(lcp - activation, 0));
        time('fcp_ms', M.max(fcp - activation, 0));
      }
      time('ttfb_ms', nav.responseStart > 0 ? M.max(nav.responseStart - activation, 0) : Number.NaN);
    }
    if (supported.includes('layout-shift')) v.cls = M.round(cls * 1e4) / 1e4;
    if (Object.keys(v).length) {
      v.event_name = 'web_vitals';
      if (url) v.url = url;
      hit('event', v);
    }
  };

  const hide = guard((e: Event) => {
    if (D.hidden || e.type === 'pagehide') {
      send();
      flush();
    }
  });
  W.addEventListener('pagehide', hide);
  D.addEventListener('visibilitychange', hide);

  /** The view `url` ends for an SPA view: its hit goes now, measuring starts over. */
  const next = guard((url: unknown) => {
    send(url);
    reset();
    initial = 0;
  });

  const ours = (type: string, extra: Hit) => {
    // An SPA pageview (the first one happened before we were registered): `referrer` is the
    // view being left. Its hit is queued first and leaves in the same request. Guarded: nothing
    // of ours may cost the pageview.
    if (type === 'pageview') next(extra.referrer);
    hit(type, extra);
  };
  ours.w = 1;
  return ours;
};

// The snippet's queue stub normally exists already (it defines `alt` before either script runs);
// without it, the same stub here lets the core replay our call whichever script runs first.
guard(() => {
  if (!W.alt) {
    const stub: Alt = (...args: unknown[]) => {
      stub.q = stub.q || [];
      stub.q.push(args);
    };
    W.alt = stub;
  }
  W.alt(addon);
})();

/**
 * The HTML a site owner pastes (DESIGN §8, `alt apps snippet`): the queue stub, the async
 * `<script>` for the immutable hashed beacon with Subresource Integrity, with `vitals` a second
 * async `<script>` for the Web Vitals add-on (also hashed and SRI-pinned, from the same origin, so
 * the CSP sources do not change), and a `<noscript>` pixel for visitors without JavaScript.
 * The add-on is a separate tag rather than something the core loads: the core would have to carry
 * the add-on's name and integrity, which does not fit its 1 KiB budget, and a page without the tag
 * never fetches it.
 *
 * `inline` is the other way to carry the beacon (issue #21): its code itself as the body of one
 * inline `<script>`, the app's settings as `data-*` attributes on that element (the beacon reads
 * them through `document.currentScript`, which inline classic scripts have too, and is told the
 * collector with `data-api`, having no `src` to take it from). The body is the same for every app,
 * so one CSP hash source covers every app of a beacon build; it changes with each build. No stub:
 * the inline beacon defines `alt` as the parser reaches it. The page makes no script request.
 *
 * The pixel cannot know the page URL without server-side templating. By default it carries no
 * `url` and asks the browser to send the full page URL as `Referer`
 * (`referrerpolicy="no-referrer-when-downgrade"`); the collector takes `url` from `Referer` for
 * pixel pageviews. A site that renders HTML on the server can pass `pixelUrlTemplate` (e.g.
 * `{{ request.url | urlencode }}`), inserted verbatim as the `url` parameter.
 */
import { createHash } from 'node:crypto';
import { APP_ID_PATTERN, LIMITS } from '../schemas/wire.ts';
import type { BeaconFile, BeaconManifest } from './build.ts';

/** The pre-load queue: calls made before the beacon arrives are kept and replayed by it. */
export const QUEUE_STUB = 'window.alt=window.alt||function(){(alt.q=alt.q||[]).push(arguments)}';

/** The CSP hash source that allows an inline script with exactly this body (CSP Level 2). */
export const cspHashSource = (body: string) =>
  `'sha256-${createHash('sha256').update(body).digest('base64')}'`;

/** The CSP source that allows the inline stub under a strict `script-src` (no 'unsafe-inline'). */
export const QUEUE_STUB_CSP_SOURCE = cspHashSource(QUEUE_STUB);

/** CSP source lists by directive, as `alt apps snippet --json` and the console give them. */
export type SnippetCsp = { script_src: string[]; connect_src: string[]; img_src: string[] };

/**
 * The CSP sources a page under a strict policy needs for the snippet: the beacon, its add-on and
 * the noscript pixel all come from the collector's origin, the queue stub is allowed by its hash.
 */
export function snippetCspSources(collectorUrl: string): SnippetCsp {
  const origin = new URL(collectorUrl).origin;
  return { script_src: [origin, QUEUE_STUB_CSP_SOURCE], connect_src: [origin], img_src: [origin] };
}

/**
 * The beacon build a snippet names: its hashed files with their SRI integrity, and for `inline`
 * their code (`withBeaconCode` in build.ts reads it).
 */
export type SnippetBeacon = Pick<BeaconManifest, 'file' | 'integrity'> & {
  code?: string;
  vitals?: Pick<BeaconFile, 'file' | 'integrity'> & { code?: string };
};

export type SnippetOptions = {
  appId: string;
  /** collector origin as browsers reach it, e.g. `https://t.example.com` */
  collectorUrl: string;
  manifest: SnippetBeacon;
  /** the beacon's code (and the add-on's) inside the page instead of `<script src>`: no script fetch */
  inline?: boolean;
  /** `data-sub` → `client_sub_id` */
  sub?: string;
  /** `data-module` → `module_id` */
  module?: string;
  /** `data-session="true"`: a per-tab `session_id` in sessionStorage */
  session?: boolean;
  /** `data-respect-dnt="true"`: send nothing when the visitor sets GPC or DNT */
  respectDnt?: boolean;
  /** verbatim, already URL-encoded `url` value of the noscript pixel (a server template) */
  pixelUrlTemplate?: string;
  /** also load the Web Vitals add-on (`manifest.vitals`): one `web_vitals` event per page view */
  vitals?: boolean;
};

export class SnippetError extends Error {}

const escapeAttr = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function checkId(name: string, v: string | undefined): void {
  // The collector refuses control characters.
  if (v !== undefined && (v.length === 0 || v.length > LIMITS.idChars || /[\u0000-\u001f\u007f]/.test(v)))
    throw new SnippetError(`${name} must be 1–${LIMITS.idChars} characters without control characters`);
}

/** The collector origin without a trailing slash; throws on anything but an http(s) URL. */
export function normalizeCollectorUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new SnippetError(`collector URL "${raw}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new SnippetError(`collector URL "${raw}" must be http(s)`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/**
 * Code that can be the body of an inline `<script>` as it is: the HTML parser would end the element
 * early at `</script` or change how it ends after `<!--`/`<script`, and would rewrite CR and NUL
 * (so the CSP hash of what the browser runs would no longer be the hash of the code). The minified,
 * ASCII-only build has none of them; this makes sure.
 */
function inlineBody(code: string | undefined, what: string): string {
  if (!code) throw new SnippetError(`no code of the ${what} to inline (build the beacon first)`);
  if (/<\/script|<!--|<script|[\r\0]/i.test(code))
    throw new SnippetError(
      `the ${what} cannot be inlined: its code contains </script, <!--, <script, CR or NUL`,
    );
  return code;
}

/** The `<script>` and `<noscript>` tags for one app. */
export function renderSnippet(o: SnippetOptions): string {
  return snippet(o).html;
}

/**
 * The snippet's HTML and the CSP sources a page under a strict policy needs for exactly that
 * snippet: with `<script src>`, the collector's origin and the stub's hash; inline, the hash of the
 * beacon's code (and the add-on's), the same for every app of one build.
 */
export function snippet(o: SnippetOptions): { html: string; csp: SnippetCsp } {
  if (!new RegExp(APP_ID_PATTERN).test(o.appId))
    throw new SnippetError(`"${o.appId}" is not an app id (alt_ followed by 22 letters or digits)`);
  checkId('sub', o.sub);
  checkId('module', o.module);
  if (o.vitals && !o.manifest.vitals) throw new SnippetError('this beacon build has no Web Vitals add-on');
  const base = normalizeCollectorUrl(o.collectorUrl);

  // The beacon posts to its own origin unless told otherwise: a collector under a path needs
  // data-api, and so does the inline beacon, which has no src.
  const api = o.inline || new URL(base).pathname.length > 1 ? base : undefined;
  const data: [string, string | undefined][] = [
    ['app', o.appId],
    ['api', api],
    ['sub', o.sub],
    ['module', o.module],
    ['session', o.session ? 'true' : undefined],
    ['respect-dnt', o.respectDnt ? 'true' : undefined],
  ];
  const attrs = data
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` data-${k}="${escapeAttr(v!)}"`)
    .join('');

  const pixel = new URLSearchParams({ app_id: o.appId, event_type: 'pageview' });
  if (o.sub) pixel.set('client_sub_id', o.sub);
  if (o.module) pixel.set('module_id', o.module);
  let pixelSrc = `${base}/v1/p.gif?${pixel}`;
  if (o.pixelUrlTemplate) pixelSrc += `&url=${o.pixelUrlTemplate}`;

  const noscript = `<noscript><img src="${escapeAttr(pixelSrc)}" alt="" width="1" height="1" referrerpolicy="no-referrer-when-downgrade" style="position:absolute;border:0"></noscript>`;
  const origin = new URL(base).origin;

  if (o.inline) {
    const core = inlineBody(o.manifest.code, `beacon ${o.manifest.file}`);
    const vitals = o.vitals
      ? inlineBody(o.manifest.vitals!.code, `add-on ${o.manifest.vitals!.file}`)
      : undefined;
    // The add-on after the core, as with src: it registers through the `alt` the core defined.
    const bodies = vitals === undefined ? [core] : [core, vitals];
    return {
      html: [
        `<script${attrs}>${core}</script>`,
        ...(vitals === undefined ? [] : [`<script>${vitals}</script>`]),
        noscript,
      ].join('\n'),
      csp: { script_src: bodies.map(cspHashSource), connect_src: [origin], img_src: [origin] },
    };
  }

  const script = (f: { file: string; integrity: string }, attributes = '') =>
    `<script async src="${escapeAttr(`${base}/${f.file}`)}" integrity="${f.integrity}" crossorigin="anonymous"${attributes}></script>`;
  return {
    html: [
      `<script>${QUEUE_STUB}</script>`,
      script(o.manifest, attrs),
      ...(o.vitals ? [script(o.manifest.vitals!)] : []),
      noscript,
    ].join('\n'),
    csp: snippetCspSources(base),
  };
}

/**
 * The console's pages, rendered on the server as plain HTML: every page reads and works without
 * JavaScript (forms post, links page); `ui/console.js` only adds the live view, copy buttons and
 * the hour chart's tooltips. Nothing inline: the CSP allows scripts and styles from the console's
 * own origin only, so no `style=` and no `on…=` attributes either.
 */
import type { AppJson } from '../cli/local/apps-admin.ts';
import type { AppPage, HourRow, Overview } from './source.ts';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (v: unknown): string => String(v ?? '').replace(/[&<>"']/g, (c) => ESC[c]);

const fmt = (n: number) => n.toLocaleString('en-US');
const count = (n: number, one: string) => `${fmt(n)} ${one}${n === 1 ? '' : 's'}`;

export interface Layout {
  label: string;
  title: string;
  /** The nav entry to mark current. */
  nav: 'overview' | 'apps';
  base: string;
}

export function layout(l: Layout, body: string): string {
  const link = (href: string, text: string, key: Layout['nav']) =>
    `<a href="${l.base}${href}"${l.nav === key ? ' aria-current="page"' : ''}>${text}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">
<title>${esc(l.title)} · ALT console</title>
<link rel="stylesheet" href="${l.base}/ui/console.css">
<script type="module" src="${l.base}/ui/console.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="brand"><strong>ALT console</strong> <span class="label">${esc(l.label)}</span></p>
<nav aria-label="Console">${link('/', 'Overview', 'overview')} ${link('/apps', 'Apps', 'apps')}</nav>
</header>
<main id="main">
${body}
</main>
</body>
</html>
`;
}

export function errorPage(l: Omit<Layout, 'nav'>, status: number, message: string): string {
  return layout(
    { ...l, nav: 'overview' },
    `<h1>${status === 401 ? 'Sign in needed' : `Error ${status}`}</h1><p class="error" role="alert">${esc(message)}</p>`,
  );
}

function appRow(base: string, a: AppJson): string {
  return `<tr>
<td><a href="${base}/apps/${esc(a.app_id)}">${esc(a.name)}</a></td>
<td><code>${esc(a.app_id)}</code></td>
<td>${a.disabled_at ? '<span class="badge off">disabled</span>' : '<span class="badge on">enabled</span>'}</td>
<td>${a.allowed_origins.length ? a.allowed_origins.map((o) => `<code>${esc(o)}</code>`).join(' ') : '<em>any</em>'}</td>
<td>${esc(a.bot_policy)}</td>
<td>${esc(a.created_at.slice(0, 16).replace('T', ' '))}</td>
</tr>`;
}

export function appsPage(
  base: string,
  q: { search: string; offset: number; limit: number },
  page: AppPage,
  form?: { error?: string; name?: string; origins?: string; bot_policy?: string },
): string {
  const from = page.total === 0 ? 0 : q.offset + 1;
  const to = Math.min(q.offset + page.apps.length, page.total);
  const nav = (offset: number, text: string, rel: string) =>
    `<a rel="${rel}" href="${base}/apps?${new URLSearchParams({ ...(q.search && { q: q.search }), offset: String(offset) })}">${text}</a>`;
  const paging = [
    q.offset > 0 ? nav(Math.max(0, q.offset - q.limit), '← Newer', 'prev') : '',
    q.offset + q.limit < page.total ? nav(q.offset + q.limit, 'Older →', 'next') : '',
  ].join(' ');
  return `<h1>Apps</h1>
<form class="search" method="get" action="${base}/apps" role="search">
<label for="q">Search by name or app id</label>
<input id="q" name="q" type="search" value="${esc(q.search)}" autocomplete="off">
<button type="submit">Search</button>
</form>
<p id="apps-count">${page.total === 0 ? 'No apps match.' : `Apps ${fmt(from)}–${fmt(to)} of ${fmt(page.total)}${q.search ? ` matching “${esc(q.search)}”` : ''}, newest first.`}</p>
${
  page.apps.length
    ? `<table class="apps"><caption class="sr">Apps</caption>
<thead><tr><th scope="col">Name</th><th scope="col">App id</th><th scope="col">State</th><th scope="col">Allowed origins</th><th scope="col">Bots</th><th scope="col">Created (UTC)</th></tr></thead>
<tbody>${page.apps.map((a) => appRow(base, a)).join('\n')}</tbody></table>`
    : ''
}
<nav class="paging" aria-label="Pages">${paging}</nav>
<section aria-labelledby="new-app">
<h2 id="new-app">New app</h2>
${form?.error ? `<p class="error" role="alert">${esc(form.error)}</p>` : ''}
<form method="post" action="${base}/apps" class="stack">
<label for="name">Name</label>
<input id="name" name="name" required maxlength="200" value="${esc(form?.name)}">
<label for="origins">Allowed origins, one per line <span class="hint">(empty: any origin)</span></label>
<textarea id="origins" name="origins" rows="3" placeholder="https://www.example.com">${esc(form?.origins)}</textarea>
${botPolicySelect('bot_policy', form?.bot_policy ?? 'drop')}
<button type="submit">Create app</button>
</form>
</section>`;
}

function botPolicySelect(id: string, value: string): string {
  const opt = (v: string, text: string) =>
    `<option value="${v}"${v === value ? ' selected' : ''}>${text}</option>`;
  return `<label for="${id}">Bot hits</label>
<select id="${id}" name="bot_policy">${opt('drop', 'drop (count only)')}${opt('keep', 'keep (stored with is_bot)')}</select>`;
}

export interface AppPageData {
  app: AppJson;
  snippet:
    | { html: string; csp: { script_src: string[]; connect_src: string[]; img_src: string[] } }
    | { error: string };
  options: { sub?: string; module?: string; vitals?: boolean; inline?: boolean };
  overview: Overview;
  /** Shown once: right after the app was created or its key rotated. */
  writeKey?: { key: string; why: 'created' | 'rotated' };
  error?: string;
  notice?: string;
  live: boolean;
}

export function appPage(base: string, d: AppPageData): string {
  const a = d.app;
  const action = `${base}/apps/${esc(a.app_id)}`;
  const key = d.writeKey
    ? `<section class="key" aria-labelledby="key-h" tabindex="-1" id="key-section">
<h2 id="key-h">${d.writeKey.why === 'created' ? 'App created: its write key' : 'New write key'}</h2>
<p>Shown once, now: copy it somewhere safe. Servers send it as <code>Authorization: Bearer …</code> to <code>/v1/batch</code>.${d.writeKey.why === 'rotated' ? ' The old key is refused from now on.' : ''}</p>
<p><code id="write-key" class="secret">${esc(d.writeKey.key)}</code> <button type="button" data-copy="write-key" hidden>Copy key</button></p>
</section>`
    : '';
  const snippet =
    'error' in d.snippet
      ? `<p class="error" role="alert">${esc(d.snippet.error)}</p>`
      : `<pre class="snippet"><code id="snippet">${esc(d.snippet.html)}</code></pre>
<p><button type="button" data-copy="snippet" hidden>Copy snippet</button> <span class="copied" role="status" aria-live="polite"></span></p>
<h3>Content-Security-Policy sources it needs</h3>
<dl class="csp">
<dt><code>script-src</code></dt><dd><code id="csp-script">${esc(d.snippet.csp.script_src.join(' '))}</code></dd>
<dt><code>connect-src</code></dt><dd><code id="csp-connect">${esc(d.snippet.csp.connect_src.join(' '))}</code></dd>
<dt><code>img-src</code></dt><dd><code id="csp-img">${esc(d.snippet.csp.img_src.join(' '))}</code> <span class="hint">(the &lt;noscript&gt; pixel)</span></dd>
</dl>`;
  return `<p class="crumbs"><a href="${base}/apps">Apps</a> ›</p>
<h1>${esc(a.name)} ${a.disabled_at ? '<span class="badge off">disabled</span>' : '<span class="badge on">enabled</span>'}</h1>
<p><code id="app-id">${esc(a.app_id)}</code> · created ${esc(a.created_at.slice(0, 16).replace('T', ' '))} UTC${a.disabled_at ? ` · disabled ${esc(a.disabled_at.slice(0, 16).replace('T', ' '))} UTC: its hits are refused (403 <code>app_disabled</code>)` : ''}</p>
${d.error ? `<p class="error" role="alert">${esc(d.error)}</p>` : ''}
${d.notice ? `<p class="notice" role="status">${esc(d.notice)}</p>` : ''}
${key}
<div class="cols">
<section aria-labelledby="settings-h">
<h2 id="settings-h">Settings</h2>
<form method="post" action="${action}" class="stack">
<input type="hidden" name="action" value="save">
<label for="origins">Allowed origins, one per line <span class="hint">(empty: any origin)</span></label>
<textarea id="origins" name="origins" rows="4">${esc(a.allowed_origins.join('\n'))}</textarea>
${botPolicySelect('bot_policy', a.bot_policy)}
<button type="submit">Save settings</button>
</form>
<form method="post" action="${action}" class="inline">
<input type="hidden" name="action" value="${a.disabled_at ? 'enable' : 'disable'}">
<button type="submit" id="toggle">${a.disabled_at ? 'Enable app' : 'Disable app'}</button>
</form>
<form method="post" action="${action}" class="inline">
<input type="hidden" name="action" value="rotate">
<button type="submit" id="rotate">Rotate write key</button>
</form>
</section>
<section aria-labelledby="snippet-h">
<h2 id="snippet-h">Snippet</h2>
<form method="get" action="${action}" class="options">
<label for="sub">data-sub</label><input id="sub" name="sub" value="${esc(d.options.sub)}" maxlength="128">
<label for="module">data-module</label><input id="module" name="module" value="${esc(d.options.module)}" maxlength="128">
<label class="check"><input type="checkbox" name="vitals" value="1"${d.options.vitals ? ' checked' : ''}> Web Vitals add-on</label>
<label class="check"><input type="checkbox" name="inline" value="1"${d.options.inline ? ' checked' : ''}> Inline beacon <span class="hint">(no script fetch; the CSP hash changes with each beacon build)</span></label>
<button type="submit">Update snippet</button>
</form>
${snippet}
</section>
</div>
${overviewSections(d.overview)}
${d.live ? liveSection(base, a.app_id) : ''}`;
}

export interface OverviewData {
  overview: Overview;
  hours: number;
  lag: { hits: number | null; seconds: number | null };
  lake: { hours: number; files: number; rows: number } | null;
  counts: { accepted: number; refused: number; dropped_bots: number; window_minutes: number };
  live: boolean;
}

export function overviewPage(base: string, d: OverviewData): string {
  const c = d.counts;
  const stat = (id: string, label: string, value: string) =>
    `<div class="stat"><dt>${label}</dt><dd id="${id}">${value}</dd></div>`;
  return `<h1>Overview</h1>
<dl class="stats">
${stat('accepted', `Accepted, last ${c.window_minutes} min`, fmt(c.accepted))}
${stat('refused', `Refused, last ${c.window_minutes} min`, fmt(c.refused))}
${stat('dropped', `Bots dropped, last ${c.window_minutes} min`, fmt(c.dropped_bots))}
${stat('lag', 'Transformer lag', d.lag.hits === null ? 'unknown' : d.lag.hits === 0 ? 'caught up' : `${fmt(d.lag.hits)} hits, ${fmt(d.lag.seconds ?? 0)} s`)}
${stat('lake', 'Lake', d.lake ? `${count(d.lake.hours, 'hour')}, ${count(d.lake.files, 'file')}, ${count(d.lake.rows, 'row')}` : 'not available')}
</dl>
${overviewSections(d.overview, d.hours)}
${d.live ? liveSection(base) : ''}`;
}

/** Every hour of the window, the empty ones too, so the chart's bars keep their places. */
function hourSlots(rows: HourRow[], hours: number, now = Date.now()): HourRow[] {
  const byHour = new Map(rows.map((r) => [r.hour, r]));
  const last = Math.floor(now / 3_600_000) * 3_600_000;
  const out: HourRow[] = [];
  for (let i = hours - 1; i >= 0; i--) {
    const hour = `${new Date(last - i * 3_600_000).toISOString().slice(0, 13)}:00:00Z`;
    out.push(byHour.get(hour) ?? { hour, pageviews: 0, hits: 0, status_classes: {}, p95_ms: null });
  }
  return out;
}

function chart(slots: HourRow[]): string {
  const max = Math.max(1, ...slots.map((s) => s.pageviews));
  const w = 12;
  const gap = 2;
  const h = 80;
  const bars = slots
    .map((s, i) => {
      const bh = Math.round((s.pageviews / max) * h);
      return `<rect x="${i * (w + gap)}" y="${h - bh}" width="${w}" height="${Math.max(bh, s.pageviews ? 1 : 0)}"><title>${esc(s.hour.slice(0, 13).replace('T', ' '))}:00 UTC: ${fmt(s.pageviews)} pageviews</title></rect>`;
    })
    .join('');
  const width = slots.length * (w + gap);
  return `<svg class="chart" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}" role="img" aria-label="Pageviews per hour, peak ${fmt(max)}">${bars}</svg>`;
}

function overviewSections(o: Overview, hours = 24): string {
  const slots = hourSlots(o.hours, hours);
  const totals: Record<string, number> = {};
  for (const r of o.hours)
    for (const [k, v] of Object.entries(r.status_classes)) totals[k] = (totals[k] ?? 0) + v;
  const p95s = o.hours.filter((r) => r.p95_ms !== null);
  const pageviews = o.hours.reduce((n, r) => n + r.pageviews, 0);
  const hits = o.hours.reduce((n, r) => n + r.hits, 0);
  return `<section aria-labelledby="traffic-h">
<h2 id="traffic-h">Last ${hours} hours <span class="hint">(from <code>hits_hourly</code>: hits appear once transformed)</span></h2>
<p><span id="pageviews-total">${fmt(pageviews)}</span> ${pageviews === 1 ? 'pageview' : 'pageviews'}, ${fmt(hits)} ${hits === 1 ? 'hit' : 'hits'}.</p>
${chart(slots)}
<details><summary>Per hour</summary>
<table class="hours"><thead><tr><th scope="col">Hour (UTC)</th><th scope="col">Pageviews</th><th scope="col">Hits</th><th scope="col">2xx</th><th scope="col">3xx</th><th scope="col">4xx</th><th scope="col">5xx</th><th scope="col">P95 response</th></tr></thead>
<tbody>${o.hours
    .map(
      (r) =>
        `<tr><td>${esc(r.hour.slice(0, 13).replace('T', ' '))}:00</td><td>${fmt(r.pageviews)}</td><td>${fmt(r.hits)}</td>${['2xx', '3xx', '4xx', '5xx'].map((c) => `<td>${fmt(r.status_classes[c] ?? 0)}</td>`).join('')}<td>${r.p95_ms === null ? '–' : `≤ ${fmt(r.p95_ms)} ms`}</td></tr>`,
    )
    .join('\n')}</tbody></table>
</details>
<div class="cols">
<div>
<h3>Status-code classes</h3>
${
  Object.keys(totals).length
    ? `<ul class="classes">${Object.entries(totals)
        .sort()
        .map(
          ([k, v]) =>
            `<li><span class="sc sc-${esc(k)}">${esc(k === 'none' ? 'no status' : k)}</span> ${fmt(v)}</li>`,
        )
        .join('')}</ul>`
    : '<p>No hits in the window.</p>'
}
<h3>P95 response time</h3>
<p>${p95s.length ? `latest hour with timings: ≤ ${fmt(p95s[p95s.length - 1].p95_ms ?? 0)} ms` : 'no response times in the window'}</p>
</div>
<div>
<h3>Top pages</h3>
${
  o.top_pages === null
    ? '<p>Not available here.</p>'
    : o.top_pages.length
      ? `<ol class="top">${o.top_pages.map((p) => `<li><code>${esc(p.url_path)}</code> ${fmt(p.pageviews)}</li>`).join('')}</ol>`
      : '<p>No pageviews in the lake for the window yet.</p>'
}
</div>
</div>
</section>`;
}

function liveSection(base: string, appId?: string): string {
  return `<section class="live" aria-labelledby="live-h" data-live="${base}/api/live${appId ? `?app_id=${esc(appId)}` : ''}">
<h2 id="live-h">Live</h2>
<p class="live-state" role="status">The live view needs JavaScript: it listens to the collector's decisions as they happen.</p>
<table><thead><tr><th scope="col">Time</th>${appId ? '' : '<th scope="col">App</th>'}<th scope="col">Outcome</th><th scope="col">Status</th><th scope="col">Event</th><th scope="col">URL</th><th scope="col">Why</th></tr></thead>
<tbody></tbody></table>
</section>`;
}

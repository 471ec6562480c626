/**
 * The page origin for browser tests: a tiny HTTP server on 127.0.0.1 (port 0) serving HTML
 * fixtures from `test/browser/fixtures/`. A fixture's `{{snippet}}` is replaced by the real
 * `renderSnippet` output (or a route's own `html`, e.g. what `alt apps snippet` printed), `{{stub}}` by the queue stub alone, `{{collector}}` by the collector origin; a route may set a status and a
 * Content-Security-Policy, where `{{inline}}` becomes the hashes of the page's inline scripts.
 * Like a real site owner, the site registers itself with the collector for its own origin and
 * puts the `app_id` it got into its snippets.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  QUEUE_STUB,
  renderSnippet,
  type SnippetBeacon,
  type SnippetOptions,
} from '../../../beacon/snippet.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export type Route = {
  fixture: string;
  snippet?: Partial<Omit<SnippetOptions, 'manifest' | 'collectorUrl'>>;
  /** served in place of `{{snippet}}` as it is (then `snippet` is not used) */
  html?: string;
  status?: number;
  csp?: string;
};

export type Site = {
  url: string;
  /** the app registered for this origin; the default `data-app` of every snippet */
  appId: string;
  /** serve `path` (any path under it, for SPA deep links) from a fixture */
  route(path: string, route: Route): void;
  close(): Promise<void>;
};

/** sha256 CSP sources of every inline `<script>` in `html`. */
export function inlineScriptHashes(html: string): string {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)]
    .map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`)
    .join(' ');
}

export async function startSite(opts: {
  collectorUrl: string;
  /** with its code, for routes with an inline snippet */
  manifest: SnippetBeacon;
  /** registers an app allowed to send from `origin`; returns its `app_id` */
  register(origin: string): Promise<string>;
}): Promise<Site> {
  const routes = new Map<string, Route>();
  let appId = '';

  const render = (r: Route) =>
    readFileSync(join(FIXTURES, r.fixture), 'utf8')
      // A function, not a string: `$&` and the like in the code must not be replacement patterns.
      .replaceAll(
        '{{snippet}}',
        () =>
          r.html ??
          renderSnippet({
            appId,
            collectorUrl: opts.collectorUrl,
            manifest: opts.manifest,
            ...r.snippet,
          }),
      )
      .replaceAll('{{stub}}', `<script>${QUEUE_STUB}</script>`)
      .replaceAll('{{collector}}', opts.collectorUrl);

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/favicon.ico') {
      res.writeHead(204).end(); // keeps the browser's automatic request out of the error log
      return;
    }
    const key = [...routes.keys()]
      .filter((p) => path === p || path.startsWith(`${p}/`))
      .sort()
      .pop();
    const route = key === undefined ? undefined : routes.get(key);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
      return;
    }
    const html = render(route);
    const headers: Record<string, string> = {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    };
    if (route.csp)
      headers['content-security-policy'] = route.csp
        .replaceAll('{{collector}}', opts.collectorUrl)
        .replaceAll('{{inline}}', inlineScriptHashes(html));
    res.writeHead(route.status ?? 200, headers).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  try {
    appId = await opts.register(url);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, appId, route: (path, route) => routes.set(path, route), close };
}

/**
 * `alt apps snippet <app_id>`: prints the HTML a site owner pastes — the queue stub, the
 * SRI-pinned `<script>` of the current beacon build (built first when missing or stale) and the
 * `<noscript>` pixel. Register it on the `apps` group: `registerSnippet(apps)`.
 */
import type { Command } from 'commander';
import { BEACON_DIST, ensureBeacon } from '../../beacon/build.ts';
import { normalizeCollectorUrl, QUEUE_STUB_CSP_SOURCE, renderSnippet } from '../../beacon/snippet.ts';
import { loadConfig } from '../../lib/config.ts';

type Flags = {
  collector?: string;
  sub?: string;
  module?: string;
  session?: boolean;
  respectDnt?: boolean;
  pixelUrl?: string;
  json?: boolean;
};

/** `--collector`, else `--public-url`/`ALT_PUBLIC_URL`, else the local collector's address. */
export function defaultCollectorUrl(env: NodeJS.ProcessEnv = process.env): string {
  const config = loadConfig({}, env);
  if (config.publicUrl) return config.publicUrl;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

export function registerSnippet(
  apps: Command,
  out: (text: string) => void = (t) => process.stdout.write(t),
): void {
  apps
    .command('snippet')
    .description('print the <script> snippet for an app (SRI-pinned beacon + <noscript> pixel)')
    .argument('<app_id>', 'the app id (alt_…)')
    .option(
      '--collector <url>',
      'collector URL as browsers reach it (default: ALT_PUBLIC_URL, else host:port)',
    )
    .option('--sub <id>', 'data-sub: client_sub_id on every hit')
    .option('--module <id>', 'data-module: module_id on every hit')
    .option('--session', 'data-session: per-tab session_id in sessionStorage')
    .option('--respect-dnt', 'data-respect-dnt: send nothing when the visitor sets GPC/DNT')
    .option('--pixel-url <template>', 'server template for the noscript pixel url, inserted verbatim')
    .option('--json', 'print {app_id, html, script_src, integrity, csp_script_src} as JSON')
    .action(async (appId: string, f: Flags) => {
      const collectorUrl = normalizeCollectorUrl(f.collector ?? defaultCollectorUrl());
      const manifest = await ensureBeacon(BEACON_DIST);
      const html = renderSnippet({
        appId,
        collectorUrl,
        manifest,
        sub: f.sub,
        module: f.module,
        session: f.session,
        respectDnt: f.respectDnt,
        pixelUrlTemplate: f.pixelUrl,
      });
      const origin = new URL(collectorUrl).origin;
      if (f.json) {
        out(
          `${JSON.stringify(
            {
              app_id: appId,
              html,
              script_src: `${collectorUrl}/${manifest.file}`,
              integrity: manifest.integrity,
              csp_script_src: [origin, QUEUE_STUB_CSP_SOURCE],
              csp_connect_src: [origin],
            },
            null,
            2,
          )}\n`,
        );
        return;
      }
      out(
        [
          `<!-- ALT analytics for ${appId}: paste into <head>. Under a strict CSP allow`,
          `     script-src ${origin} ${QUEUE_STUB_CSP_SOURCE}; connect-src ${origin} -->`,
          html,
          '',
        ].join('\n'),
      );
    });
}

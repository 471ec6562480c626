/**
 * `alt apps snippet <app_id>`: prints the HTML a site owner pastes — the queue stub, the
 * SRI-pinned `<script>` of the current beacon build (built first when missing or stale) and the
 * `<noscript>` pixel; with `--vitals` also the SRI-pinned Web Vitals add-on; with `--inline` the
 * build's code inside the page instead (no script fetch) and the CSP hash that allows it, the same
 * for every app. Register it on the `apps` group: `registerSnippet(apps)`.
 */
import type { Command } from 'commander';
import { BEACON_DIST, ensureBeacon, withBeaconCode } from '../../beacon/build.ts';
import { normalizeCollectorUrl, snippet } from '../../beacon/snippet.ts';
import { loadConfig } from '../../lib/config.ts';
import { type DevLock, readDevLock } from '../../lib/local-stack/dev-lock.ts';
import { APP_ID_PATTERN } from '../../schemas/wire.ts';
import { withRegistry } from './apps.ts';

type Flags = {
  dataDir?: string;
  databaseUrl?: string;
  /** commander's --no-check */
  check: boolean;
  collector?: string;
  sub?: string;
  module?: string;
  session?: boolean;
  respectDnt?: boolean;
  pixelUrl?: string;
  vitals?: boolean;
  inline?: boolean;
  json?: boolean;
};

/**
 * `--public-url`/`ALT_PUBLIC_URL`, else the running `alt dev`'s collector (whatever port it took),
 * else the configured host and port.
 */
export function defaultCollectorUrl(env: NodeJS.ProcessEnv = process.env, running?: DevLock | null): string {
  const config = loadConfig({}, env);
  if (config.publicUrl) return config.publicUrl;
  if (running) return running.collectorUrl;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

export function registerSnippet(
  apps: Command,
  out: (text: string) => void = (t) => process.stdout.write(t),
): void {
  apps
    .command('snippet')
    .description(
      'print the <script> snippet for an app (SRI-pinned beacon + <noscript> pixel; --inline: the beacon inside the page)',
    )
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
    .option('--vitals', 'also load the Web Vitals add-on: one web_vitals event per page view')
    .option(
      '--inline',
      "the beacon's code inside the snippet: no script fetch; one CSP hash for every app, new with each beacon build",
    )
    .option(
      '--json',
      'print {app_id, html, script_src, integrity, csp_script_src, csp_connect_src} as JSON (with --vitals also vitals_src, vitals_integrity; with --inline beacon_file and no script_src, integrity)',
    )
    .option('--data-dir <dir>', 'local stack data directory (its registry and its running alt dev)')
    .option('--database-url <url>', 'PostgreSQL with the registry (instead of PGlite)')
    .option('--no-check', 'do not look the app up in the registry (print a snippet offline)')
    .action(async (appId: string, f: Flags) => {
      const config = loadConfig({ dataDir: f.dataDir, databaseUrl: f.databaseUrl });
      const running = config.databaseUrl ? null : readDevLock(config.dataDir);
      if (!new RegExp(APP_ID_PATTERN).test(appId)) {
        throw new Error(`"${appId}" is not an app id (alt_ followed by 22 letters or digits)`);
      }
      if (f.check) {
        // A snippet for an app the collector does not know would send hits that all get 403.
        const app = await withRegistry(f, (r) => r.get(appId));
        if (!app) {
          throw new Error(
            `no app ${appId} in ${config.databaseUrl ? 'DATABASE_URL' : config.dataDir} (alt apps list shows the registered ones)`,
          );
        }
        if (app.disabled_at) {
          process.stderr.write(
            `note: ${appId} is disabled, its hits are refused (alt apps enable ${appId})\n`,
          );
        }
      }
      const collectorUrl = normalizeCollectorUrl(f.collector ?? defaultCollectorUrl(process.env, running));
      const manifest = await ensureBeacon(BEACON_DIST);
      const { html, csp } = snippet({
        appId,
        collectorUrl,
        manifest: f.inline ? await withBeaconCode(manifest, BEACON_DIST) : manifest,
        inline: f.inline,
        sub: f.sub,
        module: f.module,
        session: f.session,
        respectDnt: f.respectDnt,
        pixelUrlTemplate: f.pixelUrl,
        vitals: f.vitals,
      });
      if (f.json) {
        out(
          `${JSON.stringify(
            {
              app_id: appId,
              html,
              // Inline there is no script URL: the build is named so an upgrade can be told apart.
              ...(f.inline
                ? { beacon_file: manifest.file, ...(f.vitals && { vitals_file: manifest.vitals.file }) }
                : {
                    script_src: `${collectorUrl}/${manifest.file}`,
                    integrity: manifest.integrity,
                    ...(f.vitals && {
                      vitals_src: `${collectorUrl}/${manifest.vitals.file}`,
                      vitals_integrity: manifest.vitals.integrity,
                    }),
                  }),
              // src: the add-on comes from the collector's origin too, the same sources allow it;
              // inline: one hash per inlined script.
              csp_script_src: csp.script_src,
              csp_connect_src: csp.connect_src,
            },
            null,
            2,
          )}\n`,
        );
        return;
      }
      const allow = `script-src ${csp.script_src.join(' ')}; connect-src ${csp.connect_src.join(' ')}`;
      out(
        [
          ...(f.inline
            ? [
                `<!-- ALT analytics for ${appId}, beacon ${manifest.file} inlined: paste into <head>. Under a strict CSP allow`,
                `     ${allow}`,
                '     (the same hash for every app; a new beacon build has a new one: update the CSP with the snippet) -->',
              ]
            : [
                `<!-- ALT analytics for ${appId}: paste into <head>. Under a strict CSP allow`,
                `     ${allow} -->`,
              ]),
          html,
          '',
        ].join('\n'),
      );
    });
}

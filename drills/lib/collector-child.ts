/**
 * The full collector (`startCollector`, as `collector/main.ts` runs it) in a child process for the
 * drills. Every argument is a collector flag (`--data-dir`, `--stream`, `--kinesis-endpoint`, …).
 * Once listening it registers one app (first start only: the registry is PGlite in the data dir)
 * and prints `BENCH_READY {"port","appId","writeKey"}`. SIGTERM: graceful stop; SIGKILL: the drill.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { announce } from '../../bench/servers/announce.ts';
import { startCollector } from '../../collector/main.ts';
import { loadConfig, SETTINGS } from '../../lib/config.ts';

const options = Object.fromEntries(
  Object.values(SETTINGS).map((s) => [s.flag.slice(2), { type: 'string' as const }]),
);
const { values } = parseArgs({ options, strict: true });
const config = loadConfig(values);
const c = await startCollector(config);

// The app survives restarts (the registry is durable); its write key is shown once, so keep it.
const keyFile = join(config.dataDir, 'drill-app.json');
let app: { appId: string; writeKey: string; disabled: string; restricted: string };
try {
  app = JSON.parse(await readFile(keyFile, 'utf8'));
} catch {
  const created = await c.registry.create({ name: 'drill', origins: [], botPolicy: 'drop' });
  // The hostile corpus also wants a disabled app and one restricted to an origin.
  const disabled = (await c.registry.create({ name: 'drill-off' })).app.appId;
  await c.registry.disable(disabled);
  const restricted = (await c.registry.create({ name: 'drill-shop', origins: ['https://shop.example'] })).app
    .appId;
  app = { appId: created.app.appId, writeKey: created.writeKey, disabled, restricted };
  await writeFile(keyFile, JSON.stringify(app));
}
announce({ port: Number(new URL(c.url).port), ...app });

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    c.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

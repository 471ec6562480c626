/**
 * `alt apps create | list | disable` (DESIGN §10). The registry lives in `DATABASE_URL` when set,
 * else in PGlite at `<data-dir>/pg`; migrations run first. `alt apps snippet` and `alt apps purge`
 * are registered by their own modules onto the same `apps` command.
 */
import type { Command } from 'commander';
import { createSqlRegistry } from '../../collector/registry/sql-registry.ts';
import { loadConfig } from '../../lib/config.ts';
import { createPglite, createPostgres, migrate, type Sql } from '../../lib/db/index.ts';
import { callAdmin } from '../local/admin.ts';
import { type AppJson, appJson, type NewAppArgs, parseNewApp } from '../local/apps-admin.ts';
import { readDevLock } from '../local/dev-lock.ts';

interface DbFlags {
  dataDir?: string;
  databaseUrl?: string;
}

/** The operations `alt apps` needs, on the registry database or through a running `alt dev`. */
interface AppsBackend {
  create(a: NewAppArgs): Promise<AppJson & { write_key: string }>;
  list(): Promise<AppJson[]>;
  disable(appId: string): Promise<boolean>;
}

async function withRegistry<T>(flags: DbFlags, fn: (r: AppsBackend) => Promise<T>): Promise<T> {
  const config = loadConfig({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl });
  // PGlite allows one process per data dir: while `alt dev` holds it, go through its admin API
  // (which also makes the change visible to its collector at once).
  const lock = config.databaseUrl ? null : readDevLock(config.dataDir);
  if (lock) {
    return fn({
      create: (a) => callAdmin(lock, 'appsCreate', { ...a }),
      list: () => callAdmin(lock, 'appsList'),
      disable: async (appId) =>
        (await callAdmin<{ disabled: boolean }>(lock, 'appsDisable', { app_id: appId })).disabled,
    });
  }
  const db: Sql = config.databaseUrl
    ? createPostgres({ connectionString: config.databaseUrl, max: 1 })
    : await createPglite(`${config.dataDir}/pg`);
  try {
    await migrate(db);
    const r = createSqlRegistry(db);
    return await fn({
      async create(a) {
        const { app, writeKey } = await r.create(parseNewApp(a));
        return { ...appJson(app), write_key: writeKey };
      },
      list: async () => (await r.list()).map(appJson),
      disable: (appId) => r.disable(appId),
    });
  } finally {
    await db.close();
  }
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Registers `apps create|list|disable`; returns the `apps` command so others can add to it. */
export function registerApps(program: Command): Command {
  const apps =
    program.commands.find((c) => c.name() === 'apps') ??
    program.command('apps').description('manage registered apps');
  const db = (c: Command) =>
    c
      .option('--data-dir <dir>', 'local stack data directory (PGlite registry in <dir>/pg)')
      .option('--database-url <url>', 'PostgreSQL with the registry (instead of PGlite)');

  db(
    apps
      .command('create')
      .description('register an app; prints its id and write key (the key is shown only once)')
      .requiredOption('--name <name>', 'display name')
      .option('--origin <url>', 'origin allowed to send browser hits (repeatable; none = any)', collect, [])
      .option('--bot-policy <policy>', 'drop | keep', 'drop')
      .option('--json', 'print {"app_id","write_key"}'),
  ).action(async (o: DbFlags & { name: string; origin: string[]; botPolicy: string; json?: boolean }) => {
    const app = await withRegistry(o, (r) =>
      r.create({ name: o.name, origins: o.origin, bot_policy: o.botPolicy }),
    );
    const writeKey = app.write_key;
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ app_id: app.app_id, write_key: writeKey })}\n`);
      return;
    }
    process.stdout.write(
      [
        `app "${app.name}" registered`,
        `  app_id:     ${app.app_id}`,
        `  write key:  ${writeKey}`,
        `  origins:    ${app.allowed_origins.length ? app.allowed_origins.join(', ') : 'any'}`,
        `  bot policy: ${app.bot_policy}`,
        '',
        'The write key is shown only this once (only its SHA-256 is stored): keep it for POST /v1/batch.',
        '',
      ].join('\n'),
    );
  });

  db(apps.command('list').description('list registered apps').option('--json', 'print JSON')).action(
    async (o: DbFlags & { json?: boolean }) => {
      const list = await withRegistry(o, (r) => r.list());
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      if (!list.length) {
        process.stdout.write('no apps yet: alt apps create --name NAME\n');
        return;
      }
      for (const a of list) {
        const state = a.disabled_at ? `disabled ${a.disabled_at}` : 'active';
        const origins = a.allowed_origins.length ? a.allowed_origins.join(',') : 'any origin';
        process.stdout.write(`${a.app_id}  ${a.name}  [${state}, bots: ${a.bot_policy}, ${origins}]\n`);
      }
    },
  );

  db(
    apps
      .command('disable')
      .description("refuse an app's hits from now on (403 app_disabled)")
      .argument('<app_id>'),
  ).action(async (appId: string, o: DbFlags) => {
    const ok = await withRegistry(o, (r) => r.disable(appId));
    if (!ok) throw new Error(`no app ${appId}`);
    process.stdout.write(`${appId} disabled\n`);
  });
  return apps;
}

/**
 * `alt apps create | list | disable | enable | rotate-key`. The registry lives in `DATABASE_URL`
 * when set, else in PGlite at `<data-dir>/pg`; migrations run first. Only `create` may make a new
 * data dir: the others refuse one that does not exist (they would answer from an empty registry).
 * `alt apps snippet` and `alt apps purge` are registered by their own modules onto the same command.
 */
import type { Command } from 'commander';
import { createSqlRegistry } from '../../collector/registry/sql-registry.ts';
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db/open-database.ts';
import { callAdmin } from '../../lib/local-stack/admin-api.ts';
import { readDevLock, requireLocalData } from '../../lib/local-stack/dev-lock.ts';
import { type AppJson, appJson, type NewAppArgs, parseNewApp } from '../local/apps-admin.ts';

interface DbFlags {
  dataDir?: string;
  databaseUrl?: string;
}

/** The operations `alt apps` needs, on the registry database or through a running `alt dev`. */
export interface AppsBackend {
  create(a: NewAppArgs): Promise<AppJson & { write_key: string }>;
  list(): Promise<AppJson[]>;
  get(appId: string): Promise<AppJson | null>;
  disable(appId: string): Promise<boolean>;
  enable(appId: string): Promise<boolean>;
  rotateKey(appId: string): Promise<string | null>;
}

/**
 * Runs `fn` on the registry: a running `alt dev`'s admin API, `DATABASE_URL`, or the data dir's
 * PGlite — created only when `mayCreate` (registering an app), else required to exist.
 */
export async function withRegistry<T>(
  flags: DbFlags,
  fn: (r: AppsBackend) => Promise<T>,
  mayCreate = false,
): Promise<T> {
  const config = loadConfig({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl });
  // PGlite allows one process per data dir: while `alt dev` holds it, go through its admin API
  // (which also makes the change visible to its collector at once).
  const lock = config.databaseUrl ? null : readDevLock(config.dataDir);
  if (lock) {
    return fn({
      create: (a) => callAdmin(lock, 'appsCreate', { ...a }),
      list: () => callAdmin(lock, 'appsList'),
      get: (appId) => callAdmin(lock, 'appsGet', { app_id: appId }),
      disable: async (appId) =>
        (await callAdmin<{ disabled: boolean }>(lock, 'appsDisable', { app_id: appId })).disabled,
      enable: async (appId) =>
        (await callAdmin<{ enabled: boolean }>(lock, 'appsEnable', { app_id: appId })).enabled,
      rotateKey: async (appId) =>
        (await callAdmin<{ write_key: string | null }>(lock, 'appsRotateKey', { app_id: appId })).write_key,
    });
  }
  if (!config.databaseUrl && !mayCreate) requireLocalData(config.dataDir, 'pg');
  const db = await openDatabase(config, { max: 1 });
  try {
    const r = createSqlRegistry(db);
    return await fn({
      async create(a) {
        const { app, writeKey } = await r.create(parseNewApp(a));
        return { ...appJson(app), write_key: writeKey };
      },
      list: async () => (await r.list()).map(appJson),
      get: async (appId) => {
        const app = await r.get(appId);
        return app && appJson(app);
      },
      disable: (appId) => r.disable(appId),
      enable: (appId) => r.enable(appId),
      rotateKey: (appId) => r.rotateKey(appId),
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
    const app = await withRegistry(
      o,
      (r) => r.create({ name: o.name, origins: o.origin, bot_policy: o.botPolicy }),
      true,
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

  db(apps.command('enable').description("take a disabled app's hits again").argument('<app_id>')).action(
    async (appId: string, o: DbFlags) => {
      const ok = await withRegistry(o, (r) => r.enable(appId));
      if (!ok) throw new Error(`no app ${appId}`);
      process.stdout.write(`${appId} enabled\n`);
    },
  );

  db(
    apps
      .command('rotate-key')
      .description('replace the write key of an app; the old key is refused from now on (shown once)')
      .argument('<app_id>')
      .option('--json', 'print {"app_id","write_key"}'),
  ).action(async (appId: string, o: DbFlags & { json?: boolean }) => {
    const writeKey = await withRegistry(o, (r) => r.rotateKey(appId));
    if (!writeKey) throw new Error(`no app ${appId}`);
    process.stdout.write(
      o.json
        ? `${JSON.stringify({ app_id: appId, write_key: writeKey })}\n`
        : `${appId}: new write key ${writeKey}\nShown only this once; the old key is refused from now on.\n`,
    );
  });
  return apps;
}

/**
 * `alt apps create | list | disable` (DESIGN §10). The registry lives in `DATABASE_URL` when set,
 * else in PGlite at `<data-dir>/pg`; migrations run first. `alt apps snippet` and `alt apps purge`
 * are registered by their own modules onto the same `apps` command.
 */
import type { Command } from 'commander';
import type { App } from '../../collector/registry/registry.ts';
import { createSqlRegistry } from '../../collector/registry/sql-registry.ts';
import { loadConfig } from '../../lib/config.ts';
import { createPglite, createPostgres, migrate, type Sql } from '../../lib/db/index.ts';

interface DbFlags {
  dataDir?: string;
  databaseUrl?: string;
}

async function withRegistry<T>(flags: DbFlags, fn: (r: ReturnType<typeof createSqlRegistry>) => Promise<T>) {
  const config = loadConfig({ dataDir: flags.dataDir, databaseUrl: flags.databaseUrl });
  const db: Sql = config.databaseUrl
    ? createPostgres({ connectionString: config.databaseUrl, max: 1 })
    : await createPglite(`${config.dataDir}/pg`);
  try {
    await migrate(db);
    return await fn(createSqlRegistry(db));
  } finally {
    await db.close();
  }
}

const appJson = (a: App) => ({
  app_id: a.appId,
  name: a.name,
  allowed_origins: a.allowedOrigins,
  bot_policy: a.botPolicy,
  created_at: a.createdAt.toISOString(),
  disabled_at: a.disabledAt?.toISOString() ?? null,
});

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
    if (o.botPolicy !== 'drop' && o.botPolicy !== 'keep') {
      throw new Error(`--bot-policy must be drop or keep, not "${o.botPolicy}"`);
    }
    const { app, writeKey } = await withRegistry(o, (r) =>
      r.create({ name: o.name, origins: o.origin, botPolicy: o.botPolicy as 'drop' | 'keep' }),
    );
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ app_id: app.appId, write_key: writeKey })}\n`);
      return;
    }
    process.stdout.write(
      [
        `app "${app.name}" registered`,
        `  app_id:     ${app.appId}`,
        `  write key:  ${writeKey}`,
        `  origins:    ${app.allowedOrigins.length ? app.allowedOrigins.join(', ') : 'any'}`,
        `  bot policy: ${app.botPolicy}`,
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
        process.stdout.write(`${JSON.stringify(list.map(appJson))}\n`);
        return;
      }
      if (!list.length) {
        process.stdout.write('no apps yet: alt apps create --name NAME\n');
        return;
      }
      for (const a of list) {
        const state = a.disabledAt ? `disabled ${a.disabledAt.toISOString()}` : 'active';
        const origins = a.allowedOrigins.length ? a.allowedOrigins.join(',') : 'any origin';
        process.stdout.write(`${a.appId}  ${a.name}  [${state}, bots: ${a.botPolicy}, ${origins}]\n`);
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

/** `AppRegistry` over the `applications` table, on PostgreSQL (Aurora) or PGlite through `lib/db`. */
import type { Queryable } from '../../lib/db/sql.ts';
import { APP_ID_PATTERN } from '../../schemas/wire.ts';
import { hashWriteKey, newAppId, newWriteKey, writeKeyMatches } from './ids.ts';
import { type App, type AppRegistry, normalizeOrigin } from './registry.ts';

/** LIKE metacharacters in a search are matched as themselves. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

interface AppRow {
  app_id: string;
  name: string;
  allowed_origins: string[];
  bot_policy: 'drop' | 'keep';
  write_key_sha256: string;
  created_at: Date | string;
  disabled_at: Date | string | null;
}

const COLUMNS = 'app_id, name, allowed_origins, bot_policy, write_key_sha256, created_at, disabled_at';
const APP_ID = new RegExp(APP_ID_PATTERN);

const toApp = (r: AppRow): App => ({
  appId: r.app_id,
  name: r.name,
  allowedOrigins: r.allowed_origins ?? [],
  botPolicy: r.bot_policy,
  createdAt: new Date(r.created_at),
  disabledAt: r.disabled_at === null ? null : new Date(r.disabled_at),
});

export function createSqlRegistry(db: Queryable): AppRegistry {
  return {
    async get(appId) {
      if (!APP_ID.test(appId)) return null;
      const r = await db.query<AppRow>(`SELECT ${COLUMNS} FROM applications WHERE app_id = $1`, [appId]);
      return r.rows[0] ? toApp(r.rows[0]) : null;
    },
    async getByWriteKey(key) {
      if (typeof key !== 'string' || key.length === 0 || key.length > 200) return null;
      const r = await db.query<AppRow>(`SELECT ${COLUMNS} FROM applications WHERE write_key_sha256 = $1`, [
        hashWriteKey(key),
      ]);
      const row = r.rows[0];
      return row && writeKeyMatches(key, row.write_key_sha256) ? toApp(row) : null;
    },
    async create({ name, origins = [], botPolicy = 'drop' }) {
      const trimmed = name.trim();
      if (trimmed.length < 1 || trimmed.length > 200) throw new Error('app name must be 1–200 characters');
      if (botPolicy !== 'drop' && botPolicy !== 'keep') throw new Error('bot policy must be drop or keep');
      const allowed = [...new Set(origins.map(normalizeOrigin))];
      const appId = newAppId();
      const writeKey = newWriteKey();
      const r = await db.query<AppRow>(
        `INSERT INTO applications (app_id, name, allowed_origins, bot_policy, write_key_sha256)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [appId, trimmed, allowed, botPolicy, hashWriteKey(writeKey)],
      );
      return { app: toApp(r.rows[0]), writeKey };
    },
    async list() {
      const r = await db.query<AppRow>(`SELECT ${COLUMNS} FROM applications ORDER BY created_at, app_id`);
      return r.rows.map(toApp);
    },
    async page({ search = '', offset = 0, limit = 50 }) {
      const lim = Math.min(Math.max(Math.trunc(limit) || 50, 1), 100);
      const off = Math.max(Math.trunc(offset) || 0, 0);
      const term = search.trim().slice(0, 200);
      const where = term ? `WHERE name ILIKE $1 ESCAPE '\\' OR app_id LIKE $2 ESCAPE '\\'` : '';
      const params = term ? [`%${likeLiteral(term)}%`, `${likeLiteral(term)}%`] : [];
      const [rows, total] = await Promise.all([
        db.query<AppRow>(
          `SELECT ${COLUMNS} FROM applications ${where} ORDER BY created_at DESC, app_id LIMIT ${lim} OFFSET ${off}`,
          params,
        ),
        db.query<{ n: string | number }>(`SELECT count(*) AS n FROM applications ${where}`, params),
      ]);
      return { apps: rows.rows.map(toApp), total: Number(total.rows[0].n) };
    },
    async update(appId, { origins, botPolicy }) {
      if (!APP_ID.test(appId)) return null;
      if (botPolicy !== undefined && botPolicy !== 'drop' && botPolicy !== 'keep')
        throw new Error('bot policy must be drop or keep');
      const allowed = origins === undefined ? null : [...new Set(origins.map(normalizeOrigin))];
      const r = await db.query<AppRow>(
        `UPDATE applications SET allowed_origins = coalesce($2::text[], allowed_origins),
           bot_policy = coalesce($3, bot_policy) WHERE app_id = $1 RETURNING ${COLUMNS}`,
        [appId, allowed, botPolicy ?? null],
      );
      return r.rows[0] ? toApp(r.rows[0]) : null;
    },
    async disable(appId) {
      if (!APP_ID.test(appId)) return false;
      const r = await db.query(
        'UPDATE applications SET disabled_at = coalesce(disabled_at, now()) WHERE app_id = $1',
        [appId],
      );
      return r.rowCount > 0;
    },
    async enable(appId) {
      if (!APP_ID.test(appId)) return false;
      const r = await db.query('UPDATE applications SET disabled_at = NULL WHERE app_id = $1', [appId]);
      return r.rowCount > 0;
    },
    async rotateKey(appId) {
      if (!APP_ID.test(appId)) return null;
      const writeKey = newWriteKey();
      const r = await db.query('UPDATE applications SET write_key_sha256 = $2 WHERE app_id = $1', [
        appId,
        hashWriteKey(writeKey),
      ]);
      return r.rowCount > 0 ? writeKey : null;
    },
    async ping() {
      try {
        await db.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * One typed configuration for every component: each setting has a flag, an `ALT_*` environment
 * variable (flags win), a default and a check. A wrong value stops the program with a message
 * naming the setting and what it allows. README's config table is generated from `SETTINGS`
 * (`configTable()`), and a test keeps the two equal.
 */

type Parser<T> = { kind: string; parse(raw: string): T | { error: string } };

const isError = (v: unknown): v is { error: string } =>
  typeof v === 'object' && v !== null && 'error' in v && Object.keys(v).length === 1;

const int = (min: number, max: number): Parser<number> => ({
  kind: `integer ${min}–${max}`,
  parse(raw) {
    if (!/^-?\d+$/.test(raw.trim())) return { error: `expected an integer from ${min} to ${max}` };
    const n = Number(raw);
    return n < min || n > max ? { error: `expected an integer from ${min} to ${max}` } : n;
  },
});

const bool: Parser<boolean> = {
  kind: 'true | false',
  parse(raw) {
    const v = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    return { error: 'expected true or false' };
  },
};

const str: Parser<string> = {
  kind: 'text',
  parse: (raw) => (raw.length === 0 ? { error: 'expected a non-empty value' } : raw),
};

const oneOf = <T extends string>(...values: T[]): Parser<T> => ({
  kind: values.join(' | '),
  parse: (raw) =>
    values.includes(raw as T) ? (raw as T) : { error: `expected one of ${values.join(', ')}` },
});

const url = (...protocols: string[]): Parser<string> => ({
  kind: `URL (${protocols.join(', ')})`,
  parse(raw) {
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol.replace(':', ''))) {
        return { error: `expected a ${protocols.join(' or ')} URL` };
      }
      return raw;
    } catch {
      return { error: `expected a ${protocols.join(' or ')} URL` };
    }
  },
});

interface Setting<T, D extends T | undefined = T | undefined> {
  env: string;
  flag: string;
  parser: Parser<T>;
  /** `undefined`: optional with no default (the setting's type then includes `undefined`). */
  default: D;
  doc: string;
}

const setting = <T, D extends T | undefined>(
  env: string,
  flag: string,
  parser: Parser<T>,
  def: D,
  doc: string,
): Setting<T, D> => ({ env, flag, parser, default: def, doc });

export const SETTINGS = {
  port: setting('ALT_PORT', '--port', int(0, 65535), 8080, 'collector HTTP port (0 picks a free one)'),
  host: setting('ALT_HOST', '--host', str, '127.0.0.1', 'address the collector listens on'),
  privatePort: setting(
    'ALT_PRIVATE_PORT',
    '--private-port',
    int(0, 65535),
    undefined,
    'serve /healthz, /readyz and /metrics on this port only (the load balancer health check and the metrics agent), so the public port answers 404 for them; unset: on --port',
  ),
  dataDir: setting(
    'ALT_DATA_DIR',
    '--data-dir',
    str,
    './.alt',
    'local stack data: stream/, lake/, pg/ (PGlite)',
  ),
  databaseUrl: setting(
    'DATABASE_URL',
    '--database-url',
    url('postgres', 'postgresql'),
    undefined,
    'use this PostgreSQL for registry and rollups instead of PGlite',
  ),
  databaseHost: setting(
    'ALT_DATABASE_HOST',
    '--database-host',
    str,
    undefined,
    'Aurora endpoint: with --database-user (IAM auth) or --database-secret-arn (no DATABASE_URL)',
  ),
  databaseUser: setting(
    'ALT_DATABASE_USER',
    '--database-user',
    str,
    undefined,
    "Aurora role to log in as with an IAM token signed by the host's AWS credentials (the stack: alt_collector); such a role checks the schema instead of migrating",
  ),
  databaseTls: setting(
    'ALT_DATABASE_TLS',
    '--database-tls',
    oneOf('verify-full', 'no-verify'),
    'verify-full',
    "TLS to Aurora: verify-full checks the server's certificate against the bundled Amazon RDS CAs and its host name; no-verify only encrypts",
  ),
  databaseSecretArn: setting(
    'ALT_DATABASE_SECRET_ARN',
    '--database-secret-arn',
    str,
    undefined,
    'RDS-managed master secret (owner: migrates); read again when a rotation makes it stale. The stack gives components --database-user instead',
  ),
  stream: setting(
    'ALT_STREAM',
    '--stream',
    oneOf('local', 'kinesis'),
    'local',
    'where the collector writes: local segment log or Kinesis',
  ),
  kinesisStream: setting('ALT_KINESIS_STREAM', '--kinesis-stream', str, 'alt-hits', 'Kinesis stream name'),
  kinesisEndpoint: setting(
    'ALT_KINESIS_ENDPOINT',
    '--kinesis-endpoint',
    url('http', 'https'),
    undefined,
    'Kinesis API endpoint (kinesis-local); unset: AWS',
  ),
  awsRegion: setting('AWS_REGION', '--aws-region', str, 'us-east-1', 'AWS region'),
  athenaWorkgroup: setting(
    'ALT_ATHENA_WORKGROUP',
    '--workgroup',
    str,
    undefined,
    'Athena workgroup for `alt query --athena` (stack output athenaWorkgroup)',
  ),
  athenaDatabase: setting(
    'ALT_ATHENA_DATABASE',
    '--database',
    str,
    'alt',
    'Athena/Glue database of the hits table',
  ),
  lakeBucket: setting(
    'ALT_LAKE_BUCKET',
    '--lake-bucket',
    str,
    undefined,
    'S3 bucket of the lake; unset: <data-dir>/lake',
  ),
  countryDb: setting(
    'ALT_COUNTRY_DB',
    '--country-db',
    str,
    undefined,
    "a MaxMind DB (.mmdb) country file of your own for the collector's `country` column (e.g. GeoLite2-Country, under its licence); default: the PDDL database shipped in the npm package",
  ),
  lakePrefix: setting(
    'ALT_LAKE_PREFIX',
    '--lake-prefix',
    str,
    undefined,
    'key prefix inside the lake bucket, for the transformer and compaction Lambdas (the CLI takes it in --lake-bucket s3://bucket/prefix)',
  ),
  s3Endpoint: setting(
    'ALT_S3_ENDPOINT',
    '--s3-endpoint',
    url('http', 'https'),
    undefined,
    'S3 API endpoint (s3rver, MinIO); unset: AWS',
  ),
  flushIntervalSec: setting(
    'ALT_FLUSH_INTERVAL',
    '--flush-interval',
    int(1, 3600),
    10,
    'seconds from the start of one local transformer run to the next (a run that takes longer starts the next at once)',
  ),
  compactGraceMinutes: setting(
    'ALT_COMPACT_GRACE',
    '--compact-grace',
    int(0, 1440),
    15,
    'minutes after an hour ends before the local transformer compacts it (again when late files arrive); the open hour is never compacted by a drain',
  ),
  trustProxyHops: setting(
    'ALT_TRUST_PROXY_HOPS',
    '--trust-proxy-hops',
    int(0, 5),
    0,
    'load balancer hops to trust in X-Forwarded-For (1 behind the ALB; 0 behind an NLB, which hands over the client address itself)',
  ),
  rateLimitPerIp: setting(
    'ALT_RATE_LIMIT_IP',
    '--rate-limit-ip',
    int(1, 1_000_000),
    600,
    'requests per minute per client address',
  ),
  rateLimitPerApp: setting(
    'ALT_RATE_LIMIT_APP',
    '--rate-limit-app',
    int(1, 100_000_000),
    600_000,
    'hits per minute per app',
  ),
  registryTtlSec: setting(
    'ALT_REGISTRY_TTL',
    '--registry-ttl',
    int(0, 3600),
    30,
    'seconds an app lookup is cached',
  ),
  flushHits: setting('ALT_FLUSH_HITS', '--flush-hits', int(1, 500), 500, 'hits per stream flush at most'),
  flushBytes: setting(
    'ALT_FLUSH_BYTES',
    '--flush-bytes',
    int(1024, 1_000_000),
    256 * 1024,
    'bytes per stream flush at most',
  ),
  lingerMs: setting(
    'ALT_LINGER_MS',
    '--linger-ms',
    int(0, 1000),
    0,
    'ms a flush waits for more hits (0: the rest of the event-loop turn)',
  ),
  putsInFlight: setting(
    'ALT_PUTS_IN_FLIGHT',
    '--puts-in-flight',
    int(1, 64),
    4,
    'stream puts at once; hits wait for a free one (group commit)',
  ),
  maxInflightBytes: setting(
    'ALT_MAX_INFLIGHT_BYTES',
    '--max-inflight-bytes',
    int(2 ** 20, 16 * 2 ** 30),
    64 << 20,
    'hits held in memory before the collector answers 503',
  ),
  spoolMaxBytes: setting(
    'ALT_SPOOL_MAX_BYTES',
    '--spool-max-bytes',
    int(1 << 20, 2 ** 40),
    2 ** 30,
    'disk spool size before /readyz fails and writes get 503',
  ),
  honorDnt: setting('ALT_HONOR_DNT', '--honor-dnt', bool, false, 'drop hits sent with Sec-GPC: 1 or DNT: 1'),
  publicUrl: setting(
    'ALT_PUBLIC_URL',
    '--public-url',
    url('http', 'https'),
    undefined,
    'collector URL as browsers reach it, used in snippets; unset: http://<host>:<port>',
  ),
  logLevel: setting(
    'ALT_LOG_LEVEL',
    '--log-level',
    oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    'info',
    'log level',
  ),
} as const;

type SettingsSpec = typeof SETTINGS;
type ValueOf<S> = S extends Setting<infer T, infer _D> ? T : never;

export type Config = {
  [K in keyof SettingsSpec]: SettingsSpec[K]['default'] extends undefined
    ? ValueOf<SettingsSpec[K]> | undefined
    : ValueOf<SettingsSpec[K]>;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Builds the config from flags (`{ '--port': '9000' }` or `{ port: '9000' }`) and the environment.
 * Throws `ConfigError` listing every bad value.
 */
export function loadConfig(
  flags: Record<string, string | boolean | undefined> = {},
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(SETTINGS) as [string, Setting<unknown>][]) {
    const fromFlag = flags[s.flag] ?? flags[key] ?? flags[s.flag.slice(2)];
    const raw = fromFlag !== undefined ? String(fromFlag) : env[s.env];
    if (raw === undefined || raw === '') {
      out[key] = s.default;
      continue;
    }
    const v = s.parser.parse(raw);
    if (isError(v)) {
      const origin = fromFlag !== undefined ? s.flag : s.env;
      problems.push(`${origin}=${JSON.stringify(raw)}: ${v.error}`);
    } else out[key] = v;
  }
  if (problems.length) throw new ConfigError(problems);
  return out as Config;
}

/** The Markdown table in README (between the `config-table` markers). */
export function configTable(): string {
  const rows = Object.values(SETTINGS).map((s: Setting<unknown>) => {
    const def = s.default === undefined ? '—' : `\`${String(s.default)}\``;
    const cell = (t: string) => t.replaceAll('|', '\\|');
    return `| \`${s.flag}\` | \`${s.env}\` | ${cell(s.parser.kind)} | ${def} | ${cell(s.doc)} |`;
  });
  return ['| flag | environment | allowed | default | meaning |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configTable, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('gives production-safe defaults with nothing set', () => {
    const c = loadConfig({}, {});
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: './.alt',
      stream: 'local',
      honorDnt: false,
    });
    expect(c.databaseUrl).toBeUndefined();
  });

  it('reads ALT_* variables and lets flags win over them', () => {
    const env = { ALT_PORT: '9000', ALT_STREAM: 'kinesis', DATABASE_URL: 'postgres://u@h:5432/db' };
    expect(loadConfig({}, env)).toMatchObject({
      port: 9000,
      stream: 'kinesis',
      databaseUrl: 'postgres://u@h:5432/db',
    });
    expect(loadConfig({ '--port': '9100' }, env).port).toBe(9100);
    expect(loadConfig({ port: '9200' }, env).port).toBe(9200);
    expect(loadConfig({ 'honor-dnt': 'yes' }, {}).honorDnt).toBe(true);
  });

  it('stops with every bad value, naming the setting and what it allows', () => {
    const run = () =>
      loadConfig(
        { '--port': '80a' },
        { ALT_STREAM: 'kafka', DATABASE_URL: 'mysql://x', ALT_HONOR_DNT: 'perhaps' },
      );
    expect(run).toThrow(ConfigError);
    try {
      run();
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain('--port="80a": expected an integer from 0 to 65535');
      expect(msg).toContain('ALT_STREAM="kafka": expected one of local, kinesis');
      expect(msg).toContain('DATABASE_URL="mysql://x": expected a postgres or postgresql URL');
      expect(msg).toContain('ALT_HONOR_DNT="perhaps": expected true or false');
      expect((e as ConfigError).problems).toHaveLength(4);
    }
  });
});

describe('README config table', () => {
  it('is the table generated from SETTINGS', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const between = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme);
    expect(between, 'README.md lacks the config-table markers').not.toBeNull();
    expect(between![1]).toBe(configTable());
  });
});

/** App registry operations shared by `alt apps` (direct or through a running `alt dev`) and `alt dev`. */
import type { App, NewApp } from '../../collector/registry/registry.ts';

export interface AppJson {
  app_id: string;
  name: string;
  allowed_origins: string[];
  bot_policy: 'drop' | 'keep';
  created_at: string;
  disabled_at: string | null;
}

export const appJson = (a: App): AppJson => ({
  app_id: a.appId,
  name: a.name,
  allowed_origins: a.allowedOrigins,
  bot_policy: a.botPolicy,
  created_at: a.createdAt.toISOString(),
  disabled_at: a.disabledAt?.toISOString() ?? null,
});

export interface NewAppArgs {
  name: string;
  origins?: string[];
  bot_policy?: string;
}

export function parseNewApp(a: NewAppArgs): NewApp {
  const policy = a.bot_policy ?? 'drop';
  if (policy !== 'drop' && policy !== 'keep')
    throw new Error(`--bot-policy must be drop or keep, not "${policy}"`);
  if (typeof a.name !== 'string' || !a.name) throw new Error('--name is required');
  if (
    a.origins !== undefined &&
    !(Array.isArray(a.origins) && a.origins.every((o) => typeof o === 'string'))
  ) {
    throw new Error('--origin must be URLs');
  }
  return { name: a.name, origins: a.origins ?? [], botPolicy: policy };
}

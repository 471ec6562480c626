/** Pulumi config (`alt:*` keys, `aws:region`) → the raw object `validateConfig` checks. */
import type * as pulumi from '@pulumi/pulumi';
import { CONFIG_KEYS } from './config.ts';

export function readStackConfig(alt: pulumi.Config, aws: pulumi.Config): Record<string, unknown> {
  const raw: Record<string, unknown> = { region: aws.require('region') };
  for (const key of CONFIG_KEYS.filter((k) => k !== 'region')) {
    const text = alt.get(key);
    if (text !== undefined) raw[key] = parseValue(text);
  }
  return raw;
}

/** Pulumi hands YAML numbers, booleans, lists and maps over as JSON text, plain strings as-is. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

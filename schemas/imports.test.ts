/** `schemas/` is the schema of the data: it imports only itself and TypeBox, so anything may import it. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = import.meta.dirname;
const sources = (readdirSync(root, { recursive: true }) as string[]).filter(
  (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
);

describe('schemas/ imports', () => {
  it.each(sources)('%s imports only schemas/ and typebox', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    for (const [, spec] of text.matchAll(/^(?:import|export)[^;]*? from '([^']+)';/gm)) {
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(root, file, '..', spec));
        expect(target.startsWith('..'), `${file} imports ${spec}`).toBe(false);
      } else {
        expect(['typebox'], `${file} imports ${spec}`).toContain(spec);
      }
    }
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from './generated-files.ts';

describe('schemas/generated', () => {
  for (const [name, content] of Object.entries(generatedFiles())) {
    it(`${name} is up to date (run \`npm run generate\` if this fails)`, () => {
      const checkedIn = readFileSync(join(import.meta.dirname, 'generated', name), 'utf8');
      expect(checkedIn).toBe(content);
    });
  }
});

import { once } from 'node:events';
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { assertPortFree } from './port.ts';

it('passes for a free port and names a taken one', async () => {
  const taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const port = (taken.address() as { port: number }).port;
  try {
    await expect(assertPortFree('127.0.0.1', port)).rejects.toThrow(`port ${port} on 127.0.0.1 is in use`);
  } finally {
    taken.close();
  }
  await once(taken, 'close');
  await expect(assertPortFree('127.0.0.1', port)).resolves.toBeUndefined();
  await expect(assertPortFree('127.0.0.1', 0)).resolves.toBeUndefined();
});

/** Is a TCP port free to listen on? Checked before `alt dev` creates anything. */
import { createServer } from 'node:net';

export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return; // the system picks a free one
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `port ${port} on ${host} is in use (is another alt dev running?): pass --port N or set ALT_PORT`,
            )
          : err,
      );
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

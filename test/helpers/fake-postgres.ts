import { createServer, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { selfSigned } from './self-signed.ts';

export interface Login {
  user: string;
  database: string;
  password: string;
  tls: boolean;
}

export interface FakePostgres {
  port: number;
  logins: Login[];
  /** Handshakes the server started and the client broke off (e.g. it refused the certificate). */
  tlsFailures: number;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;

function error(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0C${code}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head.write('E');
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

/** Reads length-prefixed messages; `typed` messages start with a type byte. */
function reader(
  sock: Socket | TLSSocket,
  onMessage: (type: string, body: Buffer) => void,
  typed: () => boolean,
) {
  let buf = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const off = typed() ? 1 : 0;
      if (buf.length < off + 4) return;
      const len = buf.readInt32BE(off);
      if (buf.length < off + len) return;
      const type = off ? buf.toString('latin1', 0, 1) : '';
      const body = buf.subarray(off + 4, off + len);
      buf = buf.subarray(off + len);
      onMessage(type, body);
    }
  });
}

export async function startFakePostgres(
  opts: { cert?: { key: string; cert: string } } = {},
): Promise<FakePostgres> {
  const logins: Login[] = [];
  const state = { tlsFailures: 0 };
  const sockets = new Set<Socket>();

  function session(sock: Socket | TLSSocket, tls: boolean) {
    let startup: Record<string, string> | undefined;
    reader(
      sock,
      (type, body) => {
        if (!startup) {
          if (body.length === 4 && body.readInt32BE(0) === SSL_REQUEST) {
            sock.removeAllListeners('data');
            if (!opts.cert || tls) {
              sock.write('N');
              return session(sock, tls);
            }
            sock.write('S');
            const secure = new TLSSocket(sock as Socket, { isServer: true, ...opts.cert });
            secure.on('error', () => {
              state.tlsFailures++;
            });
            return session(secure, true);
          }
          const parts = body.subarray(4).toString('utf8').split('\0');
          startup = {};
          for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]) startup[parts[i]] = parts[i + 1];
          const ask = Buffer.alloc(9);
          ask.write('R');
          ask.writeInt32BE(8, 1);
          ask.writeInt32BE(3, 5); // AuthenticationCleartextPassword
          return void sock.write(ask);
        }
        if (type === 'p') {
          logins.push({
            user: startup.user ?? '',
            database: startup.database ?? '',
            password: body.toString('utf8').replace(/\0$/, ''),
            tls,
          });
          sock.end(error('28P01', 'fake server: recorded, refused'));
        }
      },
      () => startup !== undefined,
    );
  }

  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    session(sock, false);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as { port: number }).port,
    logins,
    get tlsFailures() {
      return state.tlsFailures;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((ok) => server.close(ok));
    },
  };
}

/** A self-signed certificate for `localhost` (openssl), as a stranger's server would present. */
export function selfSignedLocalhost(): { key: string; cert: string } {
  return selfSigned({
    newKey: ['rsa:2048'],
    commonName: 'localhost',
    subjectAltName: 'DNS:localhost',
    days: 1,
  });
}

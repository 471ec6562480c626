/**
 * A raw HTTP/1.1 client for hostile-input tests: writes exactly the bytes given (lying
 * Content-Length, odd headers, malformed request lines) and reads the answer until the server
 * closes. `fetch` and `http.request` refuse to send most of these.
 */
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function rawRequest(port: number, bytes: Buffer | string, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer'));
    }, timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    // The server may answer (413) and close before it read everything we send: that is fine.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const [statusLine, ...lines] = head.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({
        status,
        headers,
        body: split < 0 ? '' : Buffer.from(text.slice(split + 4), 'latin1').toString('utf8'),
      });
    });
    // No half-close after writing: Node's server drops a response still being computed when the
    // client ends its side. Every request says `Connection: close`, so the server closes instead.
    socket.write(bytes);
  });
}

/** Builds a request with `Connection: close`; Content-Length is computed unless given. */
export function httpRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Buffer {
  const b = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const all: Record<string, string> = { host: '127.0.0.1', connection: 'close', ...headers };
  if (
    body !== undefined &&
    !Object.keys(all).some(
      (k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding',
    )
  ) {
    all['content-length'] = String(b.length);
  }
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}

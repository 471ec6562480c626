/**
 * Malformed and hostile requests, each with the answer it must get. Used by
 * `collector/corpus.integration.test.ts` over real HTTP. `code` is the JSON error code (requests
 * Node's HTTP parser refuses are answered by the server's `clientErrorHandler` in the same shape).
 */
import { gzipSync } from 'node:zlib';
import { httpRequest } from './raw-http.ts';

export interface CorpusIds {
  app: string;
  disabled: string;
  restricted: string;
  writeKey: string;
}

export interface CorpusEntry {
  name: string;
  request: Buffer;
  status: number;
  code?: string;
}

/** 50 MiB of spaces in ~50 KiB of gzip: refused by Content-Encoding before anything inflates it. */
let bomb: Buffer | undefined;

const TEXT = { 'content-type': 'text/plain;charset=UTF-8' };
const JSON_CT = { 'content-type': 'application/json' };

export function hostileCorpus(ids: CorpusIds): CorpusEntry[] {
  const hit = (over: Record<string, unknown> = {}) => ({
    app_id: ids.app,
    event_type: 'pageview',
    url: 'https://shop.example/',
    ...over,
  });
  const hits = (body: unknown, headers: Record<string, string> = TEXT) =>
    httpRequest(
      'POST',
      '/v1/hits',
      headers,
      typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    );
  const batch = (body: unknown, auth?: string) =>
    httpRequest(
      'POST',
      '/v1/batch',
      { ...JSON_CT, ...(auth === undefined ? {} : { authorization: auth }) },
      typeof body === 'string' ? body : JSON.stringify(body),
    );
  const key = `Bearer ${ids.writeKey}`;
  const pixel = (q: string) => httpRequest('GET', `/v1/p.gif?${q}`, {});
  const deep = (n: number): unknown => (n === 0 ? 1 : { d: deep(n - 1) });
  bomb ??= gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));

  const e = (name: string, request: Buffer, status: number, code?: string): CorpusEntry => ({
    name,
    request,
    status,
    code,
  });
  return [
    // Not JSON
    e('truncated JSON', hits('{"app_id":'), 400, 'invalid_json'),
    e('trailing comma', hits('{"app_id":"x",}'), 400, 'invalid_json'),
    e('single quotes', hits("{'app_id':'x'}"), 400, 'invalid_json'),
    e('empty body', hits(''), 400, 'invalid_json'),
    e('NaN literal', hits('{"status_code":NaN}'), 400, 'invalid_json'),
    e(
      'invalid UTF-8 bytes',
      hits(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
      400,
      'invalid_json',
    ),
    e('overlong UTF-8 encoding of "/"', hits(Buffer.from([0x22, 0xc0, 0xaf, 0x22])), 400, 'invalid_json'),
    // JSON, but not hits
    e('null', hits('null'), 400, 'invalid_hit'),
    e('number', hits('42'), 400, 'invalid_hit'),
    e('string', hits('"hello"'), 400, 'invalid_hit'),
    e('empty array', hits('[]'), 400, 'invalid_hit'),
    e('array of numbers', hits('[1,2]'), 400, 'invalid_hit'),
    e('nested arrays 20k deep', hits(`${'['.repeat(20000)}${']'.repeat(20000)}`), 400, 'invalid_hit'),
    e('empty object', hits({}), 400, 'invalid_hit'),
    e('51 hits', hits(Array.from({ length: 51 }, () => hit())), 400, 'invalid_hit'),
    // Wrong types and values
    e('app_id as number', hits(hit({ app_id: 12345 })), 400, 'invalid_hit'),
    e('unknown event_type', hits(hit({ event_type: 'click' })), 400, 'invalid_hit'),
    e('status_code as string', hits(hit({ status_code: '404' })), 400, 'invalid_hit'),
    e('negative status_code', hits(hit({ status_code: -1 })), 400, 'invalid_hit'),
    e('float status_code', hits(hit({ status_code: 404.5 })), 400, 'invalid_hit'),
    e(
      'status_code 1e400',
      hits('{"app_id":"x","event_type":"event","status_code":1e400}'),
      400,
      'invalid_hit',
    ),
    e('negative response_time_ms', hits(hit({ response_time_ms: -5 })), 400, 'invalid_hit'),
    e('unknown status', hits(hit({ status: 'DONE' })), 400, 'invalid_hit'),
    e('boolean url', hits(hit({ url: true })), 400, 'invalid_hit'),
    e('metadata as string', hits(hit({ metadata: '{"a":1}' })), 400, 'invalid_hit'),
    e('metadata as array', hits(hit({ metadata: [1, 2, 3] })), 400, 'invalid_hit'),
    e('metadata over 4 KiB', hits(hit({ metadata: { blob: 'x'.repeat(5000) } })), 400, 'invalid_hit'),
    e('metadata 10 levels deep', hits(hit({ metadata: deep(10) })), 400, 'invalid_hit'),
    e('pageview without url', hits(hit({ url: undefined })), 400, 'invalid_hit'),
    e('timestamp as numeric string', hits(hit({ timestamp: '1700000000000' })), 400, 'invalid_hit'),
    e('timestamp without zone', hits(hit({ timestamp: '2026-01-01T10:00:00' })), 400, 'invalid_hit'),
    e('timestamp not a date', hits(hit({ timestamp: 'yesterday' })), 400, 'invalid_hit'),
    e('timestamp Feb 30', hits(hit({ timestamp: '2024-02-30T00:00:00Z' })), 400, 'invalid_hit'),
    e('negative timestamp', hits(hit({ timestamp: -1 })), 400, 'invalid_hit'),
    e('timestamp beyond Date range', hits(hit({ timestamp: 9e15 })), 400, 'invalid_hit'),
    // Strings
    e(
      'lone high surrogate',
      hits('{"app_id":"x","event_type":"event","event_name":"a\\ud800b"}'),
      400,
      'invalid_hit',
    ),
    e(
      'lone low surrogate in metadata key',
      hits(`{"app_id":"${ids.app}","event_type":"event","metadata":{"\\udc00":1}}`),
      400,
      'invalid_hit',
    ),
    e('control character', hits(hit({ module_id: 'a\u0001b' })), 400, 'invalid_hit'),
    e('NUL in url', hits(hit({ url: 'https://shop.example/\u0000' })), 400, 'invalid_hit'),
    e('newline in event_name', hits(hit({ event_name: 'a\nb' })), 400, 'invalid_hit'),
    e('url too long', hits(hit({ url: `https://shop.example/${'a'.repeat(2100)}` })), 400, 'invalid_hit'),
    e('file: url', hits(hit({ url: 'file:///etc/passwd' })), 400, 'invalid_hit'),
    e('javascript: url', hits(hit({ url: 'javascript:alert(document.cookie)' })), 400, 'invalid_hit'),
    e('relative url', hits(hit({ url: '../../etc/passwd' })), 400, 'invalid_hit'),
    e('empty module_id', hits(hit({ module_id: '' })), 400, 'invalid_hit'),
    // Fields a client may not send
    e('unknown field', hits(hit({ extra: 1 })), 400, 'invalid_hit'),
    e('server-owned visitor_id', hits(hit({ visitor_id: 'me' })), 400, 'invalid_hit'),
    e('server-owned received_at', hits(hit({ received_at: '2026-01-01T00:00:00Z' })), 400, 'invalid_hit'),
    e('client_ip on a browser route', hits(hit({ client_ip: '1.2.3.4' })), 400, 'invalid_hit'),
    e('is_bot false from a bot', hits(hit({ is_bot: false })), 400, 'invalid_hit'),
    e(
      '__proto__ key',
      hits(`{"__proto__":{"polluted":true},"app_id":"${ids.app}","event_type":"event"}`),
      400,
      'invalid_hit',
    ),
    e('constructor key', hits(hit({ constructor: { prototype: { polluted: true } } })), 400, 'invalid_hit'),
    e(
      '__proto__ in metadata',
      hits(`{"app_id":"${ids.app}","event_type":"event","metadata":{"__proto__":{"x":1}}}`),
      400,
      'invalid_hit',
    ),
    // Apps
    e('SQL in app_id', hits(hit({ app_id: "alt_' OR '1'='1' --" })), 400, 'invalid_hit'),
    e('path traversal in app_id', hits(hit({ app_id: 'alt_../../../etc/passwd' })), 400, 'invalid_hit'),
    e('unknown app', hits(hit({ app_id: 'alt_0000000000000000000000' })), 403, 'unknown_app'),
    e('disabled app', hits(hit({ app_id: ids.disabled })), 403, 'app_disabled'),
    e(
      'origin not allowed',
      hits(hit({ app_id: ids.restricted }), { ...TEXT, origin: 'https://evil.example' }),
      403,
      'origin_not_allowed',
    ),
    // Size, type, encoding
    e(
      '10 MB declared in Content-Length',
      httpRequest('POST', '/v1/hits', { ...TEXT, 'content-length': String(10 * 1024 * 1024) }, '{"app_id":'),
      413,
      'too_large',
    ),
    e('70 KB body', hits(`"${'x'.repeat(70 * 1024)}"`), 413, 'too_large'),
    e(
      '70 KB chunked body',
      httpRequest(
        'POST',
        '/v1/hits',
        { ...TEXT, 'transfer-encoding': 'chunked' },
        `11800\r\n${'x'.repeat(0x11800)}\r\n0\r\n\r\n`,
      ),
      413,
      'too_large',
    ),
    e(
      'application/xml',
      hits('<hit/>', { 'content-type': 'application/xml' }),
      415,
      'unsupported_media_type',
    ),
    e(
      'form encoded',
      hits('app_id=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    ),
    e(
      'multipart',
      hits('--x--', { 'content-type': 'multipart/form-data; boundary=x' }),
      415,
      'unsupported_media_type',
    ),
    e('no content type', hits(JSON.stringify(hit()), {}), 415, 'unsupported_media_type'),
    e(
      'UTF-16 charset',
      hits(Buffer.from(JSON.stringify(hit()), 'utf16le'), {
        'content-type': 'application/json; charset=utf-16',
      }),
      415,
      'unsupported_media_type',
    ),
    e('gzip bomb', hits(bomb, { ...TEXT, 'content-encoding': 'gzip' }), 415, 'unsupported_media_type'),
    e(
      'unknown Content-Encoding',
      hits(JSON.stringify(hit()), { ...TEXT, 'content-encoding': 'zstd-9000' }),
      415,
      'unsupported_media_type',
    ),
    e(
      'stacked encodings',
      hits(JSON.stringify(hit()), { ...TEXT, 'content-encoding': 'gzip, br' }),
      415,
      'unsupported_media_type',
    ),
    // /v1/batch
    e('batch without key', batch({ hits: [hit()] }), 401, 'invalid_key'),
    e('batch with wrong key', batch({ hits: [hit()] }, 'Bearer altk_wrong'), 401, 'invalid_key'),
    e('batch with SQL as key', batch({ hits: [hit()] }, "Bearer ' OR 1=1 --"), 401, 'invalid_key'),
    e('batch with 8 KB key', batch({ hits: [hit()] }, `Bearer ${'k'.repeat(8000)}`), 401, 'invalid_key'),
    e('batch with Basic auth', batch({ hits: [hit()] }, 'Basic YWRtaW46YWRtaW4='), 401, 'invalid_key'),
    e('batch hits not an array', batch({ hits: {} }, key), 400, 'invalid_hit'),
    e('batch as bare array', batch([hit()], key), 400, 'invalid_hit'),
    e(
      'batch of 501',
      batch({ hits: Array.from({ length: 501 }, () => hit({ event_type: 'event', url: undefined })) }, key),
      400,
      'invalid_hit',
    ),
    e('batch bad client_ip', batch({ hits: [hit({ client_ip: '999.999.1.1' })] }, key), 400, 'invalid_hit'),
    e('batch bad log_id', batch({ hits: [hit({ log_id: 'not-a-uuid' })] }, key), 400, 'invalid_hit'),
    e('batch for another app', batch({ hits: [hit({ app_id: ids.restricted })] }, key), 400, 'invalid_hit'),
    e(
      'batch 2 MB',
      httpRequest(
        'POST',
        '/v1/batch',
        { ...JSON_CT, authorization: key, 'content-length': String(2 * 1024 * 1024) },
        '{',
      ),
      413,
      'too_large',
    ),
    // Pixel
    e('pixel without query', pixel(''), 400, 'invalid_hit'),
    e(
      'pixel broken percent-encoding',
      pixel(`app_id=${ids.app}%E0%A4%A&event_type=event`),
      400,
      'invalid_hit',
    ),
    e(
      'pixel repeated app_id',
      pixel(`app_id=${ids.app}&app_id=${ids.app}&event_type=event`),
      400,
      'invalid_hit',
    ),
    e('pixel metadata', pixel(`app_id=${ids.app}&event_type=event&metadata=%7B%7D`), 400, 'invalid_hit'),
    e(
      'pixel status_code word',
      pixel(`app_id=${ids.app}&event_type=event&status_code=ok`),
      400,
      'invalid_hit',
    ),
    e(
      'pixel __proto__ param',
      pixel(`app_id=${ids.app}&event_type=event&__proto__[x]=1`),
      400,
      'invalid_hit',
    ),
    // Paths, methods, HTTP framing
    e('path traversal', httpRequest('GET', '/../../etc/passwd', {}), 404, 'not_found'),
    e('encoded path traversal', httpRequest('GET', '/%2e%2e/%2e%2e/etc/passwd', {}), 404, 'not_found'),
    e('traversal after b.js', httpRequest('GET', '/b.js/../../package.json', {}), 404, 'not_found'),
    e('PUT on /v1/hits', httpRequest('PUT', '/v1/hits', TEXT, JSON.stringify(hit())), 404, 'not_found'),
    e('DELETE /metrics', httpRequest('DELETE', '/metrics', {}), 404, 'not_found'),
    e(
      '20 KB cookie header',
      httpRequest('GET', '/healthz', { cookie: 'c'.repeat(20_000) }),
      431,
      'too_large',
    ),
    e('malformed request line', Buffer.from('GARBAGE\r\n\r\n'), 400, 'bad_request'),
    e(
      'header with invalid characters',
      Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nBad\u0001Header: y\r\n\r\n', 'latin1'),
      400,
      'bad_request',
    ),
    e(
      'conflicting Content-Length and chunked',
      httpRequest(
        'POST',
        '/v1/hits',
        { ...TEXT, 'content-length': '5', 'transfer-encoding': 'chunked' },
        '0\r\n\r\n',
      ),
      400,
      'bad_request',
    ),
  ];
}

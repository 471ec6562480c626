import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_URL_LENGTH, parseHost, parseUrl, queryParams } from './url.ts';

describe('parseUrl', () => {
  /** What the WHATWG parser says, in parseUrl's terms. */
  const whatwg = (s: string) => {
    const u = URL.parse(s);
    // A host of only the root label (`http://x@.`) is no host either.
    const host = u?.hostname.replace(/\.$/, '') ?? '';
    if (u === null || host === '') return null;
    return { host, path: u.pathname, params: [...u.searchParams] };
  };
  const ours = (s: string) => {
    const p = parseUrl(s);
    // The WHATWG parser percent-encodes non-ASCII in the query before its searchParams decode it;
    // read our raw query the same way, or a malformed escape next to raw UTF-8 (`?%80é`, found by
    // fast-check) decodes differently through Node's URLSearchParams than through the encoded form.
    const search = p?.search.replace(/[^\x00-\x7f]+/g, (m) => encodeURIComponent(m));
    return p && { host: p.host, path: p.path, params: [...new URLSearchParams(search)] };
  };
  // The query itself is compared through URLSearchParams: the WHATWG parser escapes some
  // characters in it that decode back to the same values.

  const CASES = [
    'https://example.com',
    'https://example.com/a/b?x=1&y=%20z#frag',
    "http://a-b.example.co.uk:8080/p;q=1/~user/it's(1)*,+!$@:=?q='x'&r=<y>&s=é",
    'https://EXAMPLE.com/A',
    'https://example.com/a/../b/./c',
    'https://example.com/%2e%2E/x',
    'http://a.aa/?%80é',
    'https://0x7f.1/',
    'https://127.0.0.1:99/x',
    'https://[::1]/x',
    'https://xn--bcher-kva.example/',
    'https://bücher.example/ä?ö=ü',
    'https://example.com/a b',
    'https://example.com/a\\b',
    ' https://example.com/x ',
    'https://exam\tple.com/x\ny?utm_\nsource=a',
    'https://user:pw@example.com/x',
    'https://example.com:99999/x',
    'https://example.com:/x',
    'https://example.com./x',
    'https://-x.example.com/',
    'HTTPS://example.com/',
    'https://example.com/|^[]{}`',
    'https://example.com/x\\y ',
    'https://example.com#\u0000',
    'https://example.com?%ZZ\uD800',
    'https://example.com:8080',
    'https://example.com\\x',
  ];

  it.each(CASES)('agrees with the WHATWG parser on %j', (s) => {
    expect(ours(s)).toEqual(whatwg(s));
    // parseHost is parseUrl's host, read more cheaply.
    expect(parseHost(s)).toEqual(whatwg(s)?.host ?? null);
  });

  it('agrees with the WHATWG parser on generated URLs', () => {
    const piece = fc.stringMatching(/^[-a-zA-Z0-9._~!$&'()*+,;=:@%/?#\\ é.]{0,12}$/);
    const url = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc
        .tuple(fc.constantFrom('http://', 'https://'), fc.domain(), piece, piece)
        .map(([scheme, host, a, b]) => `${scheme}${host}/${a}${b}`),
    );
    fc.assert(
      fc.property(url, (s) => {
        expect(ours(s)).toEqual(whatwg(s));
        expect(parseHost(s)).toEqual(whatwg(s)?.host ?? null);
      }),
      { numRuns: 2000 },
    );
  });

  // parseUrl reuses the host of the URL before when the next one starts with the same origin: only
  // `/`, `?`, `#` or the end may follow it then, anything else is another host or port.
  it.each([
    'https://a.example/p?q=1',
    'https://a.example:8080/x',
    'https://a.example.com/',
    'https://a.examplex/',
    'https://a.example@b.example/',
    'https://a.example./x',
    'https://a.example\\x',
    'https://a.example?utm_source=x',
    'https://a.example#top',
    'https://a.example',
    'https://a.example/a/../b',
  ])('agrees with the WHATWG parser on %j right after a URL of origin https://a.example', (s) => {
    expect(ours('https://a.example/first')).toEqual(whatwg('https://a.example/first'));
    expect(ours(s)).toEqual(whatwg(s));
  });

  it('agrees with the WHATWG parser on generated URLs that share an origin with the one before', () => {
    const origin = fc.tuple(
      fc.constantFrom('http://', 'https://'),
      fc.domain(),
      fc.constantFrom('', ':8080', ':1', ':65536'),
    );
    const tail = fc.stringMatching(/^[-a-zA-Z0-9._~!$&'()*+,;=:@%/?#\\ é.]{0,12}$/);
    fc.assert(
      fc.property(origin, tail, tail, ([scheme, host, port], a, b) => {
        const first = `${scheme}${host}${port}/${a}`;
        const second = `${scheme}${host}${port}${b}`;
        expect(ours(first)).toEqual(whatwg(first));
        expect(ours(second)).toEqual(whatwg(second));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseUrl limits', () => {
  it('gives null past the length limit, for no string, and for URLs without a host', () => {
    expect(parseUrl(`https://example.com/${'a'.repeat(MAX_URL_LENGTH)}`)).toBeNull();
    expect(parseHost(`https://example.com/${'a'.repeat(MAX_URL_LENGTH)}`)).toBeNull();
    for (const s of [null, undefined, '', 'about:blank', 'data:text/plain,x', 'not a url', '/relative']) {
      expect(parseUrl(s)).toBeNull();
      expect(parseHost(s)).toBeNull();
    }
  });
});

describe('queryParams', () => {
  const NAMES = new Set(['utm_source', 'utm_medium', 'gclid', 'a b', 'x']);
  const viaUrlSearchParams = (search: string) => {
    const q = new URLSearchParams(search);
    return new Map([...NAMES].filter((n) => q.has(n)).map((n) => [n, q.get(n)!]));
  };

  it.each([
    '?utm_source=Google&utm_medium=cpc',
    '?utm_source=a+b%20c&utm_source=second',
    '?gclid&utm_medium=',
    '?utm_%73ource=encoded-name',
    '?a+b=1&a%20b=2',
    '?utm_source=%E2%9C%93',
    '?utm_source=%ZZ%E0%A4%A&utm_medium=%',
    '?utm_source=%ED%A0%80',
    '?x==1=2',
    '?&&x=1&&',
    '',
    '?',
  ])('reads %j as URLSearchParams does', (search) => {
    expect(queryParams(search, NAMES)).toEqual(viaUrlSearchParams(search));
  });

  it('reads generated queries as URLSearchParams does', () => {
    const part = fc.oneof(
      fc.constantFrom('utm_source', 'utm_medium', 'gclid', 'x', 'a+b', 'a%20b', 'utm_%6Dedium', '😀'),
      fc.stringMatching(/^[a-z%0-9A-F+=_é]{0,8}$/),
    );
    const query = fc
      .array(
        fc.tuple(
          part,
          fc.option(fc.string({ maxLength: 10 }).map(encodeURIComponent), { nil: undefined }),
          part,
        ),
      )
      .map(
        (pairs) =>
          `?${pairs.map(([k, v, raw]) => (v === undefined ? `${k}${raw}` : `${k}=${v}${raw}`)).join('&')}`,
      );
    fc.assert(
      fc.property(query, (q) => {
        expect(queryParams(q, NAMES)).toEqual(viaUrlSearchParams(q));
      }),
      { numRuns: 2000 },
    );
  });
});

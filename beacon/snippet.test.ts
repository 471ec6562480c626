import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  cspHashSource,
  QUEUE_STUB,
  QUEUE_STUB_CSP_SOURCE,
  renderSnippet,
  SnippetError,
  snippet,
  snippetCspSources,
} from './snippet.ts';

const manifest = { file: 'b.0123abcd.js', integrity: 'sha384-abc+/=' };
const appId = 'alt_0123456789abcdefghijkl';

describe('renderSnippet', () => {
  it('renders the stub, the async hashed script with SRI, and the noscript pixel', () => {
    const html = renderSnippet({ appId, collectorUrl: 'https://t.example.com/', manifest });
    expect(html).toBe(
      [
        `<script>${QUEUE_STUB}</script>`,
        `<script async src="https://t.example.com/b.0123abcd.js" integrity="sha384-abc+/=" crossorigin="anonymous" data-app="${appId}"></script>`,
        `<noscript><img src="https://t.example.com/v1/p.gif?app_id=${appId}&amp;event_type=pageview" alt="" width="1" height="1" referrerpolicy="no-referrer-when-downgrade" style="position:absolute;border:0"></noscript>`,
      ].join('\n'),
    );
  });

  it('carries sub, module, session and DNT options, escaped, to the script and the pixel', () => {
    const html = renderSnippet({
      appId,
      collectorUrl: 'https://t.example.com',
      manifest,
      sub: 'acme "north" & <co>',
      module: 'cart',
      session: true,
      respectDnt: true,
    });
    expect(html).toContain(
      ' data-sub="acme &quot;north&quot; &amp; &lt;co&gt;" data-module="cart" data-session="true" data-respect-dnt="true"',
    );
    expect(html).toContain('&amp;client_sub_id=acme+%22north%22+%26+%3Cco%3E&amp;module_id=cart"');
    expect(html).not.toMatch(/<co>/);
  });

  it('adds data-api for a collector under a path, and a server-templated pixel url verbatim', () => {
    const html = renderSnippet({
      appId,
      collectorUrl: 'https://example.com/alt/',
      manifest,
      pixelUrlTemplate: '{{ request.url | urlencode }}',
    });
    expect(html).toContain('src="https://example.com/alt/b.0123abcd.js"');
    expect(html).toContain('data-api="https://example.com/alt"');
    expect(html).toContain('event_type=pageview&amp;url={{ request.url | urlencode }}"');
  });

  it('with vitals, adds the add-on as a second async SRI-pinned script from the collector, after the core', () => {
    const vitals = { file: 'b.vitals-89abcdef.js', integrity: 'sha384-def' };
    const html = renderSnippet({
      appId,
      collectorUrl: 'https://t.example.com',
      manifest: { ...manifest, vitals },
      vitals: true,
    });
    expect(html.split('\n')).toEqual([
      `<script>${QUEUE_STUB}</script>`,
      `<script async src="https://t.example.com/b.0123abcd.js" integrity="sha384-abc+/=" crossorigin="anonymous" data-app="${appId}"></script>`,
      '<script async src="https://t.example.com/b.vitals-89abcdef.js" integrity="sha384-def" crossorigin="anonymous"></script>',
      expect.stringMatching(/^<noscript>/),
    ]);
    // Still the one inline script: the CSP hash source is unchanged.
    expect(html.match(/<script>/g)).toHaveLength(1);
    // Off unless asked for.
    expect(
      renderSnippet({ appId, collectorUrl: 'https://t.example.com', manifest: { ...manifest, vitals } }),
    ).not.toContain('vitals');
  });

  it('refuses vitals with a manifest that has no add-on', () => {
    expect(() =>
      renderSnippet({ appId, collectorUrl: 'https://t.example.com', manifest, vitals: true }),
    ).toThrow(/no Web Vitals add-on/);
  });

  it('gives the CSP hash source of the inline stub', () => {
    expect(QUEUE_STUB_CSP_SOURCE).toBe(
      `'sha256-${createHash('sha256').update(QUEUE_STUB).digest('base64')}'`,
    );
  });

  it.each([
    ['a sequential app id', { appId: '42' }],
    ['a javascript: collector', { collectorUrl: 'javascript:alert(1)' }],
    ['a non-URL collector', { collectorUrl: 'collector' }],
    ['an empty sub', { sub: '' }],
    ['a module with a newline', { module: 'a\nb' }],
    ['a sub longer than 128', { sub: 'x'.repeat(129) }],
  ])('refuses %s', (_, override) => {
    expect(() =>
      renderSnippet({ appId, collectorUrl: 'https://t.example.com', manifest, ...override }),
    ).toThrow(SnippetError);
  });

  it('gives the CSP sources of the src snippet with it: the collector origin and the stub hash', () => {
    expect(snippet({ appId, collectorUrl: 'https://t.example.com/alt/', manifest }).csp).toEqual(
      snippetCspSources('https://t.example.com'),
    );
  });
});

describe('the inline snippet', () => {
  // Made-up code with what minified code has: quotes, `&`, `<` that opens no tag, and `$&` (a
  // replacement pattern, were the code ever passed through String.prototype.replace).
  const code = '(()=>{var $="a&b";if(1<2)console.log($+"$&","</p>")})();';
  const vitalsCode = '(()=>{window.alt&&alt(function(h){return h})})();';
  const built = {
    ...manifest,
    code,
    vitals: { file: 'b.vitals-89abcdef.js', integrity: 'sha384-def', code: vitalsCode },
  };
  const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

  it('is one inline script whose body is the code as it is, settings in data-* attributes, data-api always', () => {
    const { html, csp } = snippet({
      appId,
      collectorUrl: 'https://t.example.com/',
      manifest: built,
      inline: true,
    });
    expect(html.split('\n')).toEqual([
      `<script data-app="${appId}" data-api="https://t.example.com">${code}</script>`,
      `<noscript><img src="https://t.example.com/v1/p.gif?app_id=${appId}&amp;event_type=pageview" alt="" width="1" height="1" referrerpolicy="no-referrer-when-downgrade" style="position:absolute;border:0"></noscript>`,
    ]);
    // No stub, no src, no SRI: nothing is fetched, and the one hash allows the script.
    expect(html).not.toContain(QUEUE_STUB);
    expect(html).not.toMatch(/src="https:\/\/t\.example\.com\/b\./);
    expect(csp).toEqual({
      script_src: [sha256(code)],
      connect_src: ['https://t.example.com'],
      img_src: ['https://t.example.com'],
    });
    expect(cspHashSource(code)).toBe(sha256(code));
  });

  it('keeps the body, and so the CSP hash, the same for every app and every option; only the attributes differ', () => {
    const one = snippet({ appId, collectorUrl: 'https://t.example.com', manifest: built, inline: true });
    const other = snippet({
      appId: 'alt_ZYXWVUTSRQPONMLKJIHGFE',
      collectorUrl: 'https://example.com/alt/',
      manifest: built,
      inline: true,
      sub: 'acme',
      module: 'cart',
      session: true,
      respectDnt: true,
    });
    expect(other.csp.script_src).toEqual(one.csp.script_src);
    expect(other.html).toContain(
      '<script data-app="alt_ZYXWVUTSRQPONMLKJIHGFE" data-api="https://example.com/alt" data-sub="acme" data-module="cart" data-session="true" data-respect-dnt="true">',
    );
    const body = (html: string) => /^<script[^>]*>(.*)<\/script>$/m.exec(html)?.[1];
    expect(body(other.html)).toBe(code);
    expect(body(one.html)).toBe(code);
  });

  it('escapes attribute values, so a value cannot end the attribute or the tag', () => {
    const { html } = snippet({
      appId,
      collectorUrl: 'https://t.example.com',
      manifest: built,
      inline: true,
      sub: '"><script>alert(1)</script>',
      module: "a'b&c",
    });
    expect(html).toContain(
      ' data-sub="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" data-module="a\'b&amp;c">',
    );
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('refuses what is not an app id, as the src snippet does', () => {
    for (const bad of ['42', 'alt_short', `${appId}"`, `<${appId}>`])
      expect(() =>
        snippet({ appId: bad, collectorUrl: 'https://t.example.com', manifest: built, inline: true }),
      ).toThrow(/is not an app id/);
  });

  it('with vitals, inlines the add-on as a second script after the core, with its own hash', () => {
    const { html, csp } = snippet({
      appId,
      collectorUrl: 'https://t.example.com',
      manifest: built,
      inline: true,
      vitals: true,
    });
    expect(html.split('\n').slice(0, 2)).toEqual([
      `<script data-app="${appId}" data-api="https://t.example.com">${code}</script>`,
      `<script>${vitalsCode}</script>`,
    ]);
    expect(csp.script_src).toEqual([sha256(code), sha256(vitalsCode)]);
  });

  it.each([
    ['no code (a manifest read without it)', { code: undefined }],
    ['code that would end the element early', { code: 'var s="</SCRIPT>"' }],
    ['code with an HTML comment opener', { code: 'var s="<!--"' }],
    ['code with a CR (the parser would rewrite it, breaking the hash)', { code: 'a\r\nb' }],
  ])('refuses to inline %s', (_, override) => {
    expect(() =>
      snippet({
        appId,
        collectorUrl: 'https://t.example.com',
        manifest: { ...built, ...override },
        inline: true,
      }),
    ).toThrow(SnippetError);
  });
});

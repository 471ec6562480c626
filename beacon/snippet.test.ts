import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { QUEUE_STUB, QUEUE_STUB_CSP_SOURCE, renderSnippet, SnippetError } from './snippet.ts';

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
});

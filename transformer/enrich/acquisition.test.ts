import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acquisition, CHANNELS, UTM_MAX_LENGTH } from './acquisition.ts';

const PAGE = 'https://shop.example.com/products/shoes';

describe('url_host, url_path, referrer_host', () => {
  it('takes the lowercased host and the path without query or fragment', () => {
    const a = acquisition('https://Shop.Example.COM:8443/Products/Shoes?id=1&utm_x=2#reviews', null);
    expect(a.url_host).toBe('shop.example.com');
    expect(a.url_path).toBe('/Products/Shoes');
  });

  it('gives the root path for a bare origin', () => {
    expect(acquisition('https://example.com', null).url_path).toBe('/');
  });

  it('lowercases the referrer host and drops the rest of the referrer', () => {
    expect(acquisition(PAGE, 'https://WWW.Google.COM/search?q=shoes').referrer_host).toBe('www.google.com');
  });

  it.each([
    ['absent', null],
    ['empty', ''],
    ['not a URL', 'not a url'],
    ['without a host', 'about:blank'],
  ])('referrer_host is NULL when the referrer is %s', (_, referrer) => {
    const a = acquisition(PAGE, referrer);
    expect(a.referrer_host).toBeNull();
    expect(a.channel).toBe('direct');
  });

  it('gives NULLs for a URL that does not parse, and for a missing one', () => {
    for (const url of [null, undefined, '', 'shop.example.com/x', 'http://', 'https://exa mple.com/']) {
      const a = acquisition(url, null);
      expect([a.url_host, a.url_path]).toEqual([null, null]);
    }
  });

  it('gives NULLs for a URL far past the collector limit instead of parsing it', () => {
    const a = acquisition(
      `https://example.com/${'a'.repeat(20_000)}`,
      `https://google.com/${'b'.repeat(20_000)}`,
    );
    expect(a).toMatchObject({ url_host: null, url_path: null, referrer_host: null, channel: 'direct' });
  });
});

describe('utm_*', () => {
  it('are decoded from the URL query', () => {
    const a = acquisition(
      `${PAGE}?utm_source=News%20Letter&utm_medium=email&utm_campaign=spring+sale&utm_term=red%20shoes&utm_content=%E2%9C%93%20hero`,
      null,
    );
    expect(a).toMatchObject({
      utm_source: 'News Letter',
      utm_medium: 'email',
      utm_campaign: 'spring sale',
      utm_term: 'red shoes',
      utm_content: '✓ hero',
    });
  });

  it('are NULL when absent or empty, and the first of repeated ones counts', () => {
    const a = acquisition(`${PAGE}?utm_source=&utm_medium=social&utm_medium=cpc`, null);
    expect(a.utm_source).toBeNull();
    expect(a.utm_medium).toBe('social');
    expect(a.utm_campaign).toBeNull();
  });

  it('are cut to 256 characters, never through a surrogate pair', () => {
    const long = acquisition(`${PAGE}?utm_campaign=${'x'.repeat(1000)}`, null).utm_campaign!;
    expect(long.length).toBe(UTM_MAX_LENGTH);
    const emoji = acquisition(`${PAGE}?utm_campaign=${'x'.repeat(255)}${encodeURIComponent('😀')}`, null);
    expect(emoji.utm_campaign).toBe('x'.repeat(255));
  });

  it('lose control characters and malformed escapes do not throw', () => {
    const a = acquisition(`${PAGE}?utm_source=a%00b%0A&utm_medium=%E0%A4%A&utm_term=%`, null);
    expect(a.utm_source).toBe('ab');
    expect(a.utm_medium).not.toBeNull();
    expect(a.utm_term).toBe('%');
  });

  it('are read from names spelt with escapes too', () => {
    const a = acquisition(`${PAGE}?utm_%73ource=news&%67clid=1`, null);
    expect(a.utm_source).toBe('news');
    expect(a.channel).toBe('paid_search');
  });

  it('are what URLSearchParams reads, for generated queries', () => {
    const utm = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;
    const name = fc.oneof(
      fc.constantFrom(...utm, 'utm_%73ource', 'utm%5Fmedium', 'utm+source', 'ref', 'id', 'gclid'),
      fc.stringMatching(/^[a-z_%0-9+]{1,8}$/),
    );
    const value = fc.string({ maxLength: 10 }).map(encodeURIComponent);
    const query = fc
      .array(fc.tuple(name, value), { maxLength: 6 })
      .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`);
    // utm_* as DESIGN §3 stores them: decoded, control characters out, trimmed, '' as NULL (the
    // values here are too short to be cut).
    const stored = (v: string | null) => {
      const s = v?.replace(/[\u0000-\u001f\u007f]/g, '').trim();
      return s ? s : null;
    };
    fc.assert(
      fc.property(query, (q) => {
        const a = acquisition(`${PAGE}${q}`, null);
        const params = new URLSearchParams(q);
        for (const k of utm) expect(a[k], `${k} of ${q}`).toBe(stored(params.get(k)));
      }),
      { numRuns: 1000 },
    );
  });

  it('come only from the page URL, not the referrer', () => {
    expect(acquisition(PAGE, 'https://google.com/?utm_source=x').utm_source).toBeNull();
  });
});

describe('channel', () => {
  const ch = (url: string, referrer: string | null = null) => acquisition(url, referrer).channel;

  it('direct: no referrer, no tags', () => {
    expect(ch(PAGE)).toBe('direct');
  });

  it('internal: the referrer is the same site (a leading www. aside)', () => {
    expect(ch(PAGE, 'https://shop.example.com/cart')).toBe('internal');
    expect(ch('https://example.com/a', 'https://www.example.com/b')).toBe('internal');
    // Another subdomain is another site: we cannot know they belong together.
    expect(ch(PAGE, 'https://blog.example.com/post')).toBe('referral');
  });

  it('organic_search: a search engine referred, or tags say so', () => {
    expect(ch(PAGE, 'https://www.google.com/')).toBe('organic_search');
    expect(ch(PAGE, 'https://www.bing.com/')).toBe('organic_search');
    expect(ch(PAGE, 'https://images.de.ask.com/')).toBe('organic_search');
    expect(ch(PAGE, 'android-app://com.google.android.googlequicksearchbox/')).toBe('organic_search');
    expect(ch(`${PAGE}?utm_source=google&utm_medium=organic`)).toBe('organic_search');
  });

  it('paid_search: a paid medium from a search engine, or a search-ad click id', () => {
    expect(ch(`${PAGE}?utm_source=google&utm_medium=cpc`)).toBe('paid_search');
    expect(ch(`${PAGE}?utm_source=bing&utm_medium=paidsearch`)).toBe('paid_search');
    expect(ch(`${PAGE}?gclid=Cj0KCQ`, 'https://www.google.com/')).toBe('paid_search');
    expect(ch(`${PAGE}?msclkid=abc`)).toBe('paid_search');
    // No utm_source: the referrer is the source, as in GA4.
    expect(ch(`${PAGE}?utm_medium=ppc`, 'https://www.google.de/')).toBe('paid_search');
  });

  it('organic_social: a social network referred, a social medium, or fbclid alone', () => {
    expect(ch(PAGE, 'https://l.facebook.com/')).toBe('organic_social');
    expect(ch(PAGE, 'https://t.co/')).toBe('organic_social');
    expect(ch(`${PAGE}?utm_source=newsletter-partner&utm_medium=social`)).toBe('organic_social');
    // Facebook adds fbclid to organic links too: it is not an ad click.
    expect(ch(`${PAGE}?fbclid=IwAR0abc`)).toBe('organic_social');
  });

  it('paid_social: a paid medium from a social network, or a social-ad click id', () => {
    expect(ch(`${PAGE}?utm_source=facebook&utm_medium=paid`)).toBe('paid_social');
    expect(ch(`${PAGE}?utm_source=instagram&utm_medium=cpc&fbclid=x`)).toBe('paid_social');
    expect(ch(`${PAGE}?utm_source=meta&utm_medium=paid_social`)).toBe('paid_social');
    expect(ch(`${PAGE}?ttclid=E.C.P.x`)).toBe('paid_social');
    expect(ch(`${PAGE}?utm_medium=cpc`, 'https://www.linkedin.com/')).toBe('paid_social');
  });

  it('email: an email medium or source, or a webmail referrer', () => {
    expect(ch(`${PAGE}?utm_source=mailchimp&utm_medium=email`)).toBe('email');
    expect(ch(`${PAGE}?utm_source=weekly&utm_medium=Newsletter`)).toBe('email');
    expect(ch(`${PAGE}?utm_source=e-mail`)).toBe('email');
    expect(ch(PAGE, 'https://mail.google.com/')).toBe('email');
    expect(ch(PAGE, 'https://outlook.live.com/')).toBe('email');
  });

  it('ai_assistant: an AI assistant referred, or tagged itself as the source', () => {
    for (const host of [
      'chatgpt.com',
      'chat.openai.com',
      'www.perplexity.ai',
      'claude.ai',
      'gemini.google.com',
      'copilot.microsoft.com',
    ]) {
      expect(ch(PAGE, `https://${host}/`)).toBe('ai_assistant');
    }
    // ChatGPT adds utm_source=chatgpt.com to the links it shows.
    expect(ch(`${PAGE}?utm_source=chatgpt.com`)).toBe('ai_assistant');
  });

  it('referral: any other site, or utm_medium=referral', () => {
    expect(ch(PAGE, 'https://www.example.org/blog/shoes')).toBe('referral');
    expect(ch(PAGE, 'https://docs.google.com/document/d/x')).toBe('referral');
    expect(ch(`${PAGE}?utm_source=partner&utm_medium=referral`)).toBe('referral');
  });

  it('other: tags no rule knows, and paid traffic from unknown sources', () => {
    expect(ch(`${PAGE}?utm_source=partner&utm_medium=banner`)).toBe('other');
    expect(ch(`${PAGE}?utm_source=partner-network&utm_medium=cpm`)).toBe('other');
    expect(ch(`${PAGE}?utm_source=spring-flyer`)).toBe('other');
  });

  it('tags outrank the referrer, even an internal one', () => {
    expect(ch(`${PAGE}?utm_source=newsletter&utm_medium=email`, 'https://shop.example.com/')).toBe('email');
    expect(ch(`${PAGE}?utm_source=google&utm_medium=cpc`, 'https://l.facebook.com/')).toBe('paid_search');
  });

  it('utm_campaign alone is not a tag that decides the channel', () => {
    expect(ch(`${PAGE}?utm_campaign=spring`, 'https://www.google.com/')).toBe('organic_search');
  });

  it('classifies a hit without a URL (server events) by its referrer alone', () => {
    expect(acquisition(null, 'https://www.google.com/').channel).toBe('organic_search');
    expect(acquisition(null, null).channel).toBe('direct');
  });
});

describe('garbage in', () => {
  it('never throws, and always gives a known channel and bounded UTM values', () => {
    const urlish = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.string({ maxLength: 200 }).map((s) => `https://example.com/?utm_source=${s}&utm_medium=${s}`),
      fc.constant(null),
    );
    fc.assert(
      fc.property(urlish, urlish, (url, referrer) => {
        const a = acquisition(url, referrer);
        expect(CHANNELS).toContain(a.channel);
        for (const v of [a.utm_source, a.utm_medium, a.utm_campaign, a.utm_term, a.utm_content]) {
          expect(v === null || (v.length > 0 && v.length <= UTM_MAX_LENGTH)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

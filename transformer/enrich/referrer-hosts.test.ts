import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kindOfHost, kindOfSource, LIST_SOURCE } from './referrer-hosts.ts';

describe('kindOfHost', () => {
  it.each([
    ['www.google.com', 'search'],
    ['google.de', 'search'],
    ['www.google.co.uk', 'search'],
    ['www.bing.com', 'search'],
    ['duckduckgo.com', 'search'],
    ['de.search.yahoo.com', 'search'],
    ['com.google.android.googlequicksearchbox', 'search'],
    ['facebook.com', 'social'],
    ['lm.facebook.com', 'social'],
    ['l.instagram.com', 'social'],
    ['t.co', 'social'],
    ['old.reddit.com', 'social'],
    ['www.linkedin.com', 'social'],
    ['chatgpt.com', 'ai'],
    ['chat.openai.com', 'ai'],
    ['www.perplexity.ai', 'ai'],
    ['claude.ai', 'ai'],
    ['gemini.google.com', 'ai'],
    ['copilot.microsoft.com', 'ai'],
    ['mail.google.com', 'email'],
    ['outlook.live.com', 'email'],
    ['uk.mail.yahoo.com', 'email'],
    ['com.google.android.gm', 'email'],
  ])('%s is %s', (host, kind) => {
    expect(kindOfHost(host)).toBe(kind);
  });

  it.each([
    // Google's other products are not its search engine.
    'docs.google.com',
    'sites.google.com',
    // On Matomo's search list only with a keyword in the query, which a referrer host lacks.
    'www.cnn.com',
    'example.com',
    'news.ycombinator.example',
    'localhost',
    // No partial-label matches.
    'notfacebook.com',
    'google.evil.example',
  ])('%s is none of them', (host) => {
    expect(kindOfHost(host)).toBeNull();
  });

  it('accepts a fully qualified host with its trailing dot', () => {
    expect(kindOfHost('www.google.com.')).toBe('search');
  });
});

describe('kindOfSource', () => {
  it.each([
    ['google', 'search'],
    ['Google', 'search'],
    ['bing', 'search'],
    ['DuckDuckGo', 'search'],
    ['facebook', 'social'],
    ['fb', 'social'],
    ['instagram', 'social'],
    ['linkedin', 'social'],
    ['l.facebook.com', 'social'],
    ['chatgpt.com', 'ai'],
    ['perplexity', 'ai'],
    ['newsletter', 'email'],
    ['e-mail', 'email'],
  ])('%s is %s', (source, kind) => {
    expect(kindOfSource(source)).toBe(kind);
  });

  it.each(['partner-site', 'inbox', 'spring_campaign', '', '   '])('%j is none of them', (source) => {
    expect(kindOfSource(source)).toBeNull();
  });
});

describe('the vendored list', () => {
  it('names its source, commit and licence, as docs/channels.md does', () => {
    expect(LIST_SOURCE.url).toBe('https://github.com/matomo-org/searchengine-and-social-list');
    expect(LIST_SOURCE.licence).toBe('CC0-1.0');
    expect(LIST_SOURCE.commit).toMatch(/^[0-9a-f]{40}$/);
    const doc = readFileSync(new URL('../../docs/channels.md', import.meta.url), 'utf8');
    expect(doc).toContain(LIST_SOURCE.url);
    expect(doc).toContain(LIST_SOURCE.commit.slice(0, 12));
    expect(doc).toContain('CC0-1.0');
  });
});

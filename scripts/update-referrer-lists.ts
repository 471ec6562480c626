/**
 * `npx tsx scripts/update-referrer-lists.ts <checkout>`: rewrites
 * `transformer/enrich/data/referrer-hosts.json` from a git checkout of Matomo's
 * searchengine-and-social-list (https://github.com/matomo-org/searchengine-and-social-list,
 * CC0-1.0). Only names and host names are kept: the search-keyword parameters, backlinks and
 * charsets are Matomo's business, not ours. Entries with a path (`x.com/i/grok`) are dropped: a
 * referrer rarely carries its path (browsers send the origin only by default).
 *
 * The three files are read with a line parser for the one shape they use (name, then a list of
 * hosts; search engines nest the hosts under `urls:`), so the script needs no YAML dependency; it
 * fails when a file yields nothing, which is what a change of shape would look like.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Lists = Record<string, string[]>;

/**
 * Sites on Matomo's search list that are mostly something else (news, portals): Matomo counts them
 * as search only when the referrer's query holds a keyword, and we only see the host.
 */
const NOT_SEARCH_BY_HOST_ALONE = new Set([
  'www.cnn.com',
  'msnbc.msn.com',
  'dizionario.it.msn.com',
  'enciclopedia.it.msn.com',
  'www.fastweb.it',
  'it.luna.tv',
  'cgi2.nintendo.co.jp',
  'www.optuszoo.com.au',
]);

const unquote = (s: string) => s.trim().replace(/^(['"])(.*)\1$/, '$2');

/** `Name:` then `  - host` lines (Socials.yml, AIAssistants.yml). */
export function parseFlatList(text: string): Lists {
  const out: Lists = {};
  let name: string | undefined;
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const head = /^(\S.*):\s*$/.exec(line);
    if (head) {
      name = unquote(head[1]);
      out[name] ??= [];
      continue;
    }
    const item = /^\s+-\s+(.+)$/.exec(line);
    if (item && name) out[name].push(unquote(item[1]));
  }
  return out;
}

/** SearchEngines.yml: `Name:`, then configurations (`  -`) whose `urls:` list holds the hosts. */
export function parseSearchEngines(text: string): Lists {
  const out: Lists = {};
  let name: string | undefined;
  let inUrls = false;
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const head = /^(\S.*):\s*$/.exec(line);
    if (head) {
      name = unquote(head[1]);
      out[name] ??= [];
      inUrls = false;
      continue;
    }
    if (/^\s+-\s*$/.test(line)) {
      inUrls = false;
      continue;
    }
    const key = /^\s+([A-Za-z]+):/.exec(line);
    if (key) {
      inUrls = key[1] === 'urls';
      continue;
    }
    const item = /^\s+-\s+(.+)$/.exec(line);
    if (item && inUrls && name) out[name].push(unquote(item[1]));
  }
  return out;
}

/** Lowercased host patterns only, deduplicated; names that end up with none are dropped. */
function hostsOnly(lists: Lists, drop = new Set<string>()): Lists {
  const out: Lists = {};
  for (const [name, entries] of Object.entries(lists)) {
    const hosts = [
      ...new Set(entries.map((e) => e.toLowerCase()).filter((e) => e && !e.includes('/') && !drop.has(e))),
    ];
    if (hosts.length) out[name] = hosts;
  }
  return out;
}

function main(checkout: string): void {
  const read = (f: string) => readFileSync(join(checkout, f), 'utf8');
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', checkout, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // A plain copy of the files, not a checkout: the commit stays unknown.
  }
  const data = {
    source: 'https://github.com/matomo-org/searchengine-and-social-list',
    commit,
    licence: 'CC0-1.0',
    note: 'Names and host patterns only, from SearchEngines.yml, Socials.yml and AIAssistants.yml, less a few portal hosts (see the script); regenerate with scripts/update-referrer-lists.ts. See docs/channels.md.',
    search: hostsOnly(parseSearchEngines(read('SearchEngines.yml')), NOT_SEARCH_BY_HOST_ALONE),
    social: hostsOnly(parseFlatList(read('Socials.yml'))),
    ai: hostsOnly(parseFlatList(read('AIAssistants.yml'))),
  };
  for (const k of ['search', 'social', 'ai'] as const) {
    const n = Object.values(data[k]).flat().length;
    if (n === 0) throw new Error(`no ${k} hosts parsed: has the list's file format changed?`);
    console.log(`${k}: ${Object.keys(data[k]).length} names, ${n} host patterns`);
  }
  const out = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    'transformer/enrich/data/referrer-hosts.json',
  );
  writeFileSync(out, `${JSON.stringify(data, null, 1)}\n`);
  console.log(`wrote ${out} (matomo-org/searchengine-and-social-list@${commit.slice(0, 12)})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const checkout = process.argv[2];
  if (!checkout) {
    console.error(
      'usage: npx tsx scripts/update-referrer-lists.ts <checkout of searchengine-and-social-list>',
    );
    process.exit(2);
  }
  main(checkout);
}

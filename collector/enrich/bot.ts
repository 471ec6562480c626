/**
 * Bot detection from the User-Agent: `isbot`'s list, plus an empty UA and the markers of headless
 * browsers and HTTP libraries that `isbot` leaves alone on purpose.
 */
import { isbot } from 'isbot';

const HEADLESS =
  /headlesschrome|phantomjs|puppeteer|playwright|selenium|webdriver|electron\/|curl\/|wget\/|python-requests|python-urllib|aiohttp|httpx|go-http-client|okhttp|java\/|libwww-perl|node-fetch|axios\/|undici/i;

export type BotPolicy = 'drop' | 'keep';

// isbot's pattern is one large regex; real traffic repeats a few thousand UAs, so answers are
// memoised (bounded: cleared when full, which only costs recomputation).
const MEMO_MAX = 10_000;
const memo = new Map<string, boolean>();

export function isBotUserAgent(ua: string | undefined | null): boolean {
  if (!ua || ua.trim() === '') return true;
  let bot = memo.get(ua);
  if (bot === undefined) {
    bot = HEADLESS.test(ua) || isbot(ua);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(ua, bot);
  }
  return bot;
}

/** The app registry (DESIGN §4, §7): what the collector asks about an `app_id` or a write key. */
import type { BotPolicy } from '../enrich/bot.ts';

export interface App {
  appId: string;
  name: string;
  /** Origins (`https://example.com`) allowed to send browser hits; empty = any origin. */
  allowedOrigins: string[];
  botPolicy: BotPolicy;
  createdAt: Date;
  /** Set once the app is disabled; its hits are refused with 403 `app_disabled`. */
  disabledAt: Date | null;
}

export interface NewApp {
  name: string;
  origins?: string[];
  botPolicy?: BotPolicy;
}

export interface AppChanges {
  /** Replaces the allowed origins (normalised; empty = any origin). */
  origins?: string[];
  botPolicy?: BotPolicy;
}

export interface AppQuery {
  /** Case-insensitive part of the name, or the start of the app id. */
  search?: string;
  offset?: number;
  /** 1–100 (default 50). */
  limit?: number;
}

export interface AppRegistry {
  get(appId: string): Promise<App | null>;
  /**
   * The answer `get` would give, when a cache holds it already (`null`: known not to exist);
   * `undefined` when it would have to ask. Lets a request for a cached app run without an await.
   */
  peek?(appId: string): App | null | undefined;
  /** The app a write key belongs to (keys are looked up by hash and compared in constant time). */
  getByWriteKey(key: string): Promise<App | null>;
  /** Registers an app; the write key is returned here once and never stored in clear. */
  create(app: NewApp): Promise<{ app: App; writeKey: string }>;
  list(): Promise<App[]>;
  /** One page of apps, newest first, and how many match in all (the console, at 2,000+ apps). */
  page(q: AppQuery): Promise<{ apps: App[]; total: number }>;
  /** Changes an app's origins or bot policy; null when no such app exists. */
  update(appId: string, changes: AppChanges): Promise<App | null>;
  /** Returns false when no such app exists. */
  disable(appId: string): Promise<boolean>;
  /** Takes a disabled app's hits again; false when no such app exists. */
  enable(appId: string): Promise<boolean>;
  /**
   * Replaces the app's write key: the old one stops working at once (in this process; after the
   * cache TTL in others). Returns the new key, shown once, or null when no such app exists.
   */
  rotateKey(appId: string): Promise<string | null>;
  /** Is the backing store reachable (`/readyz`)? */
  ping(): Promise<boolean>;
}

/** Normalises an origin as browsers send it: scheme://host[:port], lower-case, no path. */
export function normalizeOrigin(origin: string): string {
  const u = new URL(origin);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`not an http(s) origin: ${origin}`);
  return u.origin;
}

/**
 * What the console (`/_alt/` in `alt dev`, `alt console --stack <name>` against AWS) reads and
 * changes, behind one interface with a local adapter (the running `alt dev`: its registry, its
 * collector's live tap, PGlite/PostgreSQL rollups, the local lake) and an AWS adapter (RDS Data
 * API for apps and rollups, CloudWatch for counts). The console's server and pages know only this.
 */
import type { AppJson, NewAppArgs } from '../cli/local/apps-admin.ts';
import type { LiveHit } from '../collector/live.ts';

export interface AppPage {
  apps: AppJson[];
  /** Apps matching `search`, all pages together. */
  total: number;
}

export interface AppQuery {
  /** Case-insensitive substring of the name, or a prefix of the app id. */
  search?: string;
  offset?: number;
  /** At most 100. */
  limit?: number;
}

export interface AppChanges {
  allowed_origins?: string[];
  bot_policy?: 'drop' | 'keep';
}

export interface ConsoleApps {
  page(q: AppQuery): Promise<AppPage>;
  get(appId: string): Promise<AppJson | null>;
  /** The write key is in the answer once and never again. */
  create(app: NewAppArgs): Promise<AppJson & { write_key: string }>;
  update(appId: string, changes: AppChanges): Promise<AppJson | null>;
  disable(appId: string): Promise<boolean>;
  enable(appId: string): Promise<boolean>;
  rotateKey(appId: string): Promise<string | null>;
}

/** One hit as the collector decided about it (local only: the live view); see collector/live.ts. */
export type { LiveHit } from '../collector/live.ts';

export interface HourRow {
  /** ISO hour start, UTC. */
  hour: string;
  pageviews: number;
  hits: number;
  /** hits by status-code class: `2xx`…`5xx`, `none` when the hit had no status_code. */
  status_classes: Record<string, number>;
  /** From the rollup's latency histogram (bucket upper bound, ms); null without response times. */
  p95_ms: number | null;
}

export interface Overview {
  hours: HourRow[];
  /** Pages by pageviews over the window; `null` when this source cannot answer without a lake scan it will not pay for. */
  top_pages: { url_path: string; pageviews: number }[] | null;
}

export interface ConsoleSource {
  /** Shown in the header: `alt dev (./.alt)`, `stack prod (eu-west-1)`. */
  label: string;
  apps: ConsoleApps;
  /** Snippet HTML for an app, with its SRI (or inline, the beacon's code) and the CSP sources it needs. */
  snippet(
    appId: string,
    opts: { sub?: string; module?: string; vitals?: boolean; inline?: boolean },
  ): Promise<{
    html: string;
    csp: { script_src: string[]; connect_src: string[]; img_src: string[] };
  }>;
  /** The last `hours` hours of `hits_hourly`, for one app or all. */
  overview(q: { appId?: string; hours: number }): Promise<Overview>;
  /** Transformer lag (local: the lag tracker; AWS: the Lambda iterator age). */
  lag(): Promise<{ hits: number | null; seconds: number | null }>;
  /** What the lake holds (local: the lake dir; AWS: may be null). */
  lake(): Promise<{ hours: number; files: number; rows: number } | null>;
  /** Accepted/refused/dropped counts over the last hour (AWS: CloudWatch; local: the collector's counters). */
  counts(): Promise<{ accepted: number; refused: number; dropped_bots: number; window_minutes: number }>;
  /**
   * The live tap; absent where there is none (AWS: nothing is served on the public listener).
   * `subscribe` calls `fn` first with the recent hits it keeps (oldest first), then with each new one.
   */
  live?: { subscribe(fn: (hit: LiveHit) => void): () => void };
}

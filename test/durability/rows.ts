/** Test rows: a complete `LakeRow` (the type keeps it in step with `schemas/columns.ts`). */
import type { LakeRow } from '../../schemas/lake.ts';

export function makeRow(logId: string, padding = 0): LakeRow {
  const now = new Date().toISOString();
  return {
    log_id: logId,
    app_id: 'alt_test0000000000000000000',
    client_sub_id: null,
    module_id: null,
    event_type: 'pageview',
    event_name: null,
    source: 'beacon',
    timestamp: now,
    received_at: now,
    url: `https://example.com/p/${logId}${'x'.repeat(padding)}`,
    referrer: null,
    user_agent: 'Mozilla/5.0 (test)',
    client_ip: '192.0.2.0',
    session_id: null,
    visitor_id: 'v0000000000000000',
    status_code: null,
    status: null,
    response_time_ms: null,
    request_id: null,
    metadata: null,
    is_bot: false,
    schema_version: 1,
  };
}

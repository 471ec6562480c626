import { describe, expect, it } from 'vitest';
import { buildLuaScript, parseWrkCount, parseWrkOutput, parseWrkTime, wrkArgs } from './wrk.ts';

// Real output of Debian's wrk 4.1 on this machine (trimmed of nothing).
const TEXT_ONLY = `Running 2s test @ http://127.0.0.1:43671/v1/hits
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.70ms   15.43ms 174.36ms   97.03%
    Req/Sec    23.67k     9.37k   32.66k    80.00%
  Latency Distribution
     50%    1.67ms
     75%    2.46ms
     90%    5.41ms
     99%   99.41ms
  47029 requests in 2.01s, 5.02MB read
  Socket errors: connect 0, read 3, write 1, timeout 12
  Non-2xx or 3xx responses: 24008
Requests/sec:  23348.41
Transfer/sec:      2.49MB
`;

const WITH_JSON = `Running 1s test @ http://127.0.0.1:43671/v1/hits
  2 threads and 20 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   435.54us  240.88us   5.35ms   91.92%
    Req/Sec    23.89k     3.02k   26.42k    86.36%
  Latency Distribution
     50%  352.00us
     75%  471.00us
     90%  638.00us
     99%    1.40ms
  52262 requests in 1.10s, 5.58MB read
Requests/sec:  47547.74
Transfer/sec:      5.08MB
WRK_JSON {"requests":52262,"duration_us":1099148,"errors":{"connect":0,"read":0,"write":0,"timeout":0,"status":7},"latency_us":{"mean":435.5,"max":5354,"p50":352,"p75":471,"p90":638,"p99":1398},"statuses":{"202":52255,"503":7}}
`;

describe('wrk output parser', () => {
  it('reads throughput, latency percentiles, socket errors and non-2xx counts from the text report', () => {
    const r = parseWrkOutput(TEXT_ONLY);
    expect(r.requests).toBe(47029);
    expect(r.durationSec).toBeCloseTo(2.01);
    expect(r.requestsPerSec).toBeCloseTo(23348.41);
    expect(r.latency.mean).toBeCloseTo(4.7);
    expect(r.latency.max).toBeCloseTo(174.36);
    expect(r.latency.p50).toBeCloseTo(1.67);
    expect(r.latency.p90).toBeCloseTo(5.41);
    expect(r.latency.p99).toBeCloseTo(99.41);
    expect(r.errors).toEqual({ connect: 0, read: 3, write: 1, timeout: 12, status: 24008 });
    expect(r.non2xx).toBe(24008);
    expect(r.statuses).toBeUndefined();
  });

  it('prefers the Lua summary line: exact microseconds and per-status counts', () => {
    const r = parseWrkOutput(WITH_JSON);
    expect(r.latency.p50).toBeCloseTo(0.352);
    expect(r.latency.p99).toBeCloseTo(1.398);
    expect(r.latency.max).toBeCloseTo(5.354);
    expect(r.requestsPerSec).toBeCloseTo(52262 / 1.099148, 3);
    expect(r.errors.status).toBe(7);
    expect(r.statuses).toEqual({ '202': 52255, '503': 7 });
  });

  it('treats a report with no errors lines as zero errors', () => {
    expect(parseWrkOutput(WITH_JSON.replace(/WRK_JSON.*\n/, '')).errors).toEqual({
      connect: 0,
      read: 0,
      write: 0,
      timeout: 0,
      status: 0,
    });
  });

  it('refuses output that is not a wrk report instead of inventing numbers', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n')).toThrow(
      /no request total/,
    );
  });

  it('converts wrk units', () => {
    expect(parseWrkTime('324.55us')).toBeCloseTo(0.32455);
    expect(parseWrkTime('1.02s')).toBeCloseTo(1020);
    expect(parseWrkTime('2.00m')).toBe(120_000);
    expect(parseWrkCount('58.83k')).toBeCloseTo(58830);
    expect(parseWrkCount('2.5M')).toBe(2_500_000);
    expect(parseWrkCount('812')).toBe(812);
    expect(() => parseWrkTime('fast')).toThrow();
  });
});

describe('wrk script and command line', () => {
  it('escapes the body into a Lua string and sets method and headers', () => {
    const lua = buildLuaScript({
      method: 'POST',
      body: '{"url":"https://x.test/a\\\\b"}',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(lua).toContain('wrk.method = "POST"');
    expect(lua).toContain(String.raw`wrk.body = "{\"url\":\"https://x.test/a\\\\b\"}"`);
    expect(lua).toContain('wrk.headers["Content-Type"] = "text/plain"');
    expect(lua).not.toContain('function response');
  });

  it('adds a response counter only when statuses are wanted', () => {
    expect(buildLuaScript({ method: 'GET', countStatuses: true })).toContain('function response');
  });

  it('asks for the latency distribution and a timeout', () => {
    expect(
      wrkArgs(
        { url: 'http://127.0.0.1:1/v1/hits', connections: 100, threads: 1, durationSec: 10 },
        '/tmp/s.lua',
      ),
    ).toEqual([
      '-t1',
      '-c100',
      '-d10s',
      '--timeout',
      '5s',
      '--latency',
      '-s',
      '/tmp/s.lua',
      'http://127.0.0.1:1/v1/hits',
    ]);
  });
});

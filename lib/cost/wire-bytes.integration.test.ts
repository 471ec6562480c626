/**
 * The cost model's per-request egress, held to what the collector really sends: `responseBytes` and
 * `beaconScriptBytes` are the HTTP bytes of the beacon's 202 and of the hashed script (brotli) as
 * the collector writes them on a keep-alive connection, plus one TLS 1.3 record and one TCP/IP
 * segment each. A change to the collector's headers or to the beacon's size fails here until the
 * assumption is measured again.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEACON_DIST, ensureBeacon } from '../../beacon/build.ts';
import { loadBeaconAssets } from '../../collector/beacon-assets.ts';
import { type Harness, startHarness } from '../../collector/testing/harness.ts';
import { CHROME_UA } from '../../collector/testing/user-agents.ts';
import { ASSUMPTIONS } from './assumptions.ts';

/** TLS 1.3 record: 5-byte header, 1 byte of inner content type, 16-byte AEAD tag. */
const TLS_RECORD = 22;
/** IPv4 (20) + TCP (20) + the timestamp option Linux clients negotiate (12). */
const TCP_IP_SEGMENT = 52;
/** A typical site origin: `https://www.example.com` is 23 characters. */
const ORIGIN = 'https://www.example.com';

/** Bytes of one keep-alive response to `request`, read until its Content-Length is in. */
function responseBytes(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let got = Buffer.alloc(0);
    socket.on('data', (d) => {
      got = Buffer.concat([got, d]);
      const text = got.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(text);
      if (end >= 0 && length && got.length >= end + 4 + Number(length[1])) {
        socket.destroy();
        resolve(got.length);
      }
    });
    socket.on('error', reject);
  });
}

describe('the cost model’s bytes on the wire, from the collector', () => {
  let h: Harness;
  let port: number;
  let script: string;
  beforeAll(async () => {
    const manifest = await ensureBeacon(BEACON_DIST);
    script = manifest.file;
    h = await startHarness({ beacon: loadBeaconAssets(BEACON_DIST) });
    port = Number(new URL(await h.listen()).port);
  });
  afterAll(async () => h?.close());

  it('responseBytes is the beacon post’s 202 as sent, plus a TLS record and a TCP/IP segment', async () => {
    const { app } = await h.createApp({ origins: [ORIGIN] });
    const body = JSON.stringify({ app_id: app.appId, event_type: 'pageview', url: `${ORIGIN}/` });
    const http = await responseBytes(
      port,
      `POST /v1/hits HTTP/1.1\r\nHost: collect.example.com\r\nOrigin: ${ORIGIN}\r\nUser-Agent: ${CHROME_UA}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(http + TLS_RECORD + TCP_IP_SEGMENT).toBe(ASSUMPTIONS.responseBytes.value);
  });

  it('beaconScriptBytes is the hashed script as sent with brotli, plus a TLS record and a TCP/IP segment', async () => {
    const http = await responseBytes(
      port,
      `GET /${script} HTTP/1.1\r\nHost: collect.example.com\r\nOrigin: ${ORIGIN}\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n\r\n`,
    );
    // One segment while the response fits a 1,448-byte MSS.
    expect(http).toBeLessThanOrEqual(1448 - TLS_RECORD);
    expect(http + TLS_RECORD + TCP_IP_SEGMENT).toBe(ASSUMPTIONS.beaconScriptBytes.value);
  });
});

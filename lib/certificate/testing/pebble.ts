/**
 * Debian's pebble (Let's Encrypt's test ACME server) and pebble-challtestsrv (the DNS server
 * pebble validates DNS-01 against), started on free loopback ports for the renewer's tests. Pebble
 * serves its API over TLS with a throwaway certificate for 127.0.0.1 that only the tests trust.
 * `.ci/run` installs the package; in CI a missing pebble fails instead of skipping.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selfSigned } from '../../../test/helpers/self-signed.ts';
import { commonName } from '../renewal.ts';

const PEBBLE = '/usr/bin/pebble';
const CHALLTESTSRV = '/usr/bin/pebble-challtestsrv';
export const pebbleAvailable = existsSync(PEBBLE) && existsSync(CHALLTESTSRV);
if (!pebbleAvailable && process.env.CI)
  throw new Error('CI=true but pebble is not installed (apt-get install pebble; .ci/run does)');

export interface Pebble {
  directoryUrl: string;
  /** The certificate pebble's API serves, for the client to trust. */
  tlsCa: string;
  /** CN and PEM of pebble's roots: 0 is the default chain's, 1 the alternate's. */
  roots: { cn: string; pem: string }[];
  /** What the challenge DNS server answers now (TXT). */
  resolveTxt(name: string): Promise<string[][]>;
  setTxt(name: string, value: string): Promise<void>;
  clearTxt(name: string): Promise<void>;
  stop(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, probe: () => Promise<unknown>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await probe();
      return;
    } catch (err) {
      if (Date.now() > end) throw new Error(`${what} did not come up: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

export async function startPebble(): Promise<Pebble> {
  const dir = mkdtempSync(path.join(tmpdir(), 'alt-pebble-'));
  const procs: ChildProcess[] = [];
  const stop = () => {
    for (const p of procs) p.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const tls = selfSigned({
      newKey: ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      commonName: 'pebble',
      subjectAltName: 'IP:127.0.0.1,DNS:localhost',
      days: 2,
    });
    writeFileSync(path.join(dir, 'key.pem'), tls.key);
    writeFileSync(path.join(dir, 'cert.pem'), tls.cert);
    const tlsCa = tls.cert;
    const [acmePort, mgmtPort, challMgmtPort, dnsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    writeFileSync(
      path.join(dir, 'pebble.json'),
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${mgmtPort}`,
          certificate: path.join(dir, 'cert.pem'),
          privateKey: path.join(dir, 'key.pem'),
          httpPort: await freePort(),
          tlsPort: await freePort(),
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      }),
    );
    const challManagement = `http://127.0.0.1:${challMgmtPort}`;
    procs.push(
      spawn(
        CHALLTESTSRV,
        [
          '-dns01',
          `127.0.0.1:${dnsPort}`,
          '-management',
          `127.0.0.1:${challMgmtPort}`,
          '-http01',
          '',
          '-https01',
          '',
          '-tlsalpn01',
          '',
        ],
        { stdio: 'ignore' },
      ),
    );
    procs.push(
      spawn(PEBBLE, ['-config', path.join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`], {
        stdio: 'ignore',
        env: {
          ...process.env,
          PEBBLE_VA_NOSLEEP: '1',
          PEBBLE_WFE_NONCEREJECT: '0',
          // Makes reuse rare, not impossible: pebble makes a new authorization only when
          // rand.Intn(100) > this, so ~1 order in 100 still gets the account's earlier one. A test
          // that needs a challenge on a second order uses a new account (renewer.integration.test.ts).
          PEBBLE_AUTHZREUSE: '0',
          // A second chain to a second root, as Let's Encrypt offers ISRG Root X2's beside X1's.
          PEBBLE_ALTERNATE_ROOTS: '1',
        },
      }),
    );
    const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
    await waitFor('pebble', () => httpsGet(directoryUrl, tlsCa));
    const post = async (what: string, body: unknown) => {
      const res = await fetch(`${challManagement}/${what}`, { method: 'POST', body: JSON.stringify(body) });
      if (res.status !== 200) throw new Error(`pebble-challtestsrv ${what}: ${res.status}`);
    };
    await waitFor('pebble-challtestsrv', () => post('set-default-ipv4', { ip: '127.0.0.1' }));
    const roots: Pebble['roots'] = [];
    for (const i of [0, 1]) {
      const pem = await httpsGet(`https://127.0.0.1:${mgmtPort}/roots/${i}`, tlsCa);
      roots.push({ cn: commonName(new X509Certificate(pem).subject) as string, pem });
    }
    return {
      directoryUrl,
      tlsCa,
      roots,
      resolveTxt: (name) => {
        const r = new Resolver();
        r.setServers([`127.0.0.1:${dnsPort}`]);
        return r.resolveTxt(name);
      },
      setTxt: (name, value) => post('set-txt', { host: `${name}.`, value }),
      clearTxt: (name) => post('clear-txt', { host: `${name}.` }),
      stop,
    };
  } catch (err) {
    stop();
    throw err;
  }
}

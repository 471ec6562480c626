/**
 * Server→client bytes of one TLS 1.3 connection, measured on the wire, for the cost model's
 * handshake assumptions (lib/cost/assumptions.ts `serverHandshakeBytes*`). OpenSSL's s_server
 * serves four certificate chains, generated here with the shapes of the real ones (names, key
 * types, signature algorithms, extensions, embedded SCTs), and s_client connects with TLS 1.3,
 * X25519 and TLS_AES_128_GCM_SHA256 (the AWS TLS 1.3 policies' first suite):
 *
 *   short-ecdsa   the managed certificate: ECDSA P-256 leaf + one ECDSA P-384 intermediate, shaped
 *                 like Let's Encrypt's E7 under ISRG Root X2 (the root is not sent)
 *   short-ecdsa-x1  the same leaf + E7 as cross-signed by ISRG Root X1 (RSA 4096): Let's Encrypt's
 *                 default ECDSA chain, for clients without ISRG Root X2
 *   acm-ecdsa     ACM's ECDSA chain: leaf + "Amazon ECDSA 256 M02" + "Amazon Root CA 3" cross-signed
 *                 by the RSA-2048 "Starfield Services Root Certificate Authority - G2"
 *   acm-rsa       ACM's RSA chain: RSA-2048 leaf + "Amazon RSA 2048 M02" + "Amazon Root CA 1"
 *                 cross-signed by Starfield Services G2
 *   resumed       the short-ecdsa server again, the client resuming the first connection's session
 *
 * The generated certificates are not the real ones (those are not on this machine, except the
 * self-signed Amazon Root CA 3 whose shape the cross-signed one copies), so each certificate's
 * DER size is printed next to the bytes. Every connection runs inside a fresh network namespace
 * (`unshare -rn`) whose loopback has a 1,500-byte MTU, as on the Internet, and tshark captures it:
 * the IP bytes the server sends (SYN-ACK, the handshake flights, ACKs, the session tickets, and
 * the close: close_notify and FIN) are what AWS bills as data out. The client waits 300 ms after
 * the handshake so the tickets arrive, then closes; no application data flows.
 *
 *   node_modules/.bin/tsx bench/experiments/tls-handshake-bytes.ts
 *
 * Needs openssl, tshark (apt-get install tshark) and unprivileged user namespaces. Prints the
 * result and saves it to bench/results/tls-handshake-bytes.json.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const DOMAIN = 'collector.example-analytics.com';

// Outside the namespace: re-run this file inside one, so the MTU change touches no one else's loopback.
if (!process.env.ALT_TLS_NETNS) {
  const tsx = join(here, '../../node_modules/.bin/tsx');
  execFileSync('unshare', ['-rn', tsx, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, ALT_TLS_NETNS: '1' },
  });
  process.exit(0);
}
execFileSync('ip', ['link', 'set', 'lo', 'up', 'mtu', '1500']);

const dir = mkdtempSync(join(tmpdir(), 'alt-tls-'));
const f = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }).toString();

/** An SCT list of `n` SCTs as Chrome's CT policy needs them embedded: v1, 32-byte log id, ECDSA P-256 signature. */
function sctListHex(n: number): string {
  // version 1, log id 32, timestamp 8, extensions length 2, hash+sig algorithm 2, signature length 2,
  // a DER ECDSA P-256 signature ≈ 71: 118 bytes each, with its own 2-byte length.
  const sct = (i: number) => {
    const body = Buffer.concat([
      Buffer.from([0]),
      Buffer.alloc(32, 0x11 + i),
      Buffer.alloc(8, 0x01),
      Buffer.from([0, 0, 4, 3, 0, 71]),
      Buffer.alloc(71, 0x30 + i),
    ]);
    return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
  };
  const list = Buffer.concat(Array.from({ length: n }, (_, i) => sct(i)));
  return Buffer.concat([Buffer.from([list.length >> 8, list.length & 0xff]), list]).toString('hex');
}

type Key = 'ec256' | 'ec384' | 'rsa2048' | 'rsa4096';
function genKey(name: string, key: Key): void {
  if (key === 'rsa2048' || key === 'rsa4096')
    openssl(
      'genpkey',
      '-algorithm',
      'RSA',
      '-pkeyopt',
      `rsa_keygen_bits:${key.slice(3)}`,
      '-out',
      f(`${name}.key`),
    );
  else
    openssl(
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      `ec_paramgen_curve:${key === 'ec256' ? 'P-256' : 'P-384'}`,
      '-out',
      f(`${name}.key`),
    );
}

interface CertSpec {
  name: string;
  subject: string;
  key: Key;
  /** The issuer's name in this file set; absent: self-signed. */
  issuer?: string;
  digest: 'sha256' | 'sha384';
  days: number;
  /** openssl x509v3_config lines. */
  ext: string[];
  /** Another certificate's key (a cross-sign: same subject and key, another issuer). */
  keyOf?: string;
}

/** A 16-byte serial (ACM's length; Let's Encrypt's are 18 — two bytes more, ignored). */
const serial = () => `0x7f${Buffer.alloc(15, 0x5a).toString('hex')}`;

function makeCert(c: CertSpec): void {
  if (c.keyOf) writeFileSync(f(`${c.name}.key`), readFileSync(f(`${c.keyOf}.key`)));
  else genKey(c.name, c.key);
  writeFileSync(f(`${c.name}.ext`), `[v3]\n${c.ext.join('\n')}\n`);
  openssl('req', '-new', '-key', f(`${c.name}.key`), '-subj', c.subject, '-out', f(`${c.name}.csr`));
  const signer = c.issuer ?? c.name;
  openssl(
    'x509',
    '-req',
    '-in',
    f(`${c.name}.csr`),
    ...(c.issuer ? ['-CA', f(`${signer}.pem`)] : []),
    ...(c.issuer ? ['-CAkey', f(`${signer}.key`)] : ['-key', f(`${signer}.key`)]),
    '-set_serial',
    serial(),
    `-${c.digest}`,
    '-days',
    String(c.days),
    '-extfile',
    f(`${c.name}.ext`),
    '-extensions',
    'v3',
    '-out',
    f(`${c.name}.pem`),
  );
}
const derSize = (name: string) =>
  execFileSync('openssl', ['x509', '-in', f(`${name}.pem`), '-outform', 'DER'], { cwd: dir }).length;

const caExt = (aia: string, crl: string, policy: string, pathlen: boolean, eku: boolean) => [
  `basicConstraints=critical,CA:TRUE${pathlen ? ',pathlen:0' : ''}`,
  'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
  ...(eku ? ['extendedKeyUsage=serverAuth,clientAuth'] : []),
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid:always',
  `authorityInfoAccess=${aia}`,
  `crlDistributionPoints=URI:${crl}`,
  `certificatePolicies=${policy}`,
];
const leafExt = (aia: string, crl: string, eku: string, scts: number) => [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature',
  `extendedKeyUsage=${eku}`,
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid:always',
  `authorityInfoAccess=${aia}`,
  `subjectAltName=DNS:${DOMAIN}`,
  'certificatePolicies=2.23.140.1.2.1',
  `crlDistributionPoints=URI:${crl}`,
  `1.3.6.1.4.1.11129.2.4.2=ASN1:FORMAT:HEX,OCTETSTRING:${sctListHex(scts)}`,
];

// ---- Let's Encrypt's shape: ISRG Root X2 (P-384) → E7 (P-384) → leaf (P-256) ----
// https://letsencrypt.org/certificates/ ; leaf AIA has CA Issuers only (OCSP ended 2025), a CRL
// URL per shard, serverAuth only; two SCTs (Chrome's CT policy: 2 for lifetimes ≤ 180 days).
makeCert({
  name: 'x2',
  subject: '/C=US/O=Internet Security Research Group/CN=ISRG Root X2',
  key: 'ec384',
  digest: 'sha384',
  days: 9000,
  ext: [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
  ],
});
makeCert({
  name: 'e7',
  subject: "/C=US/O=Let's Encrypt/CN=E7",
  key: 'ec384',
  issuer: 'x2',
  digest: 'sha384',
  days: 1095,
  ext: caExt('caIssuers;URI:http://x2.i.lencr.org/', 'http://x2.c.lencr.org/', '2.23.140.1.2.1', true, true),
});
// E7 as ISRG Root X1 (RSA 4096) cross-signs it: Let's Encrypt's default ECDSA chain, for clients
// that lack ISRG Root X2 (`trustedRoot: "ISRG Root X1"`).
makeCert({
  name: 'x1',
  subject: '/C=US/O=Internet Security Research Group/CN=ISRG Root X1',
  key: 'rsa4096',
  digest: 'sha256',
  days: 9000,
  ext: [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
  ],
});
makeCert({
  name: 'e7x1',
  subject: "/C=US/O=Let's Encrypt/CN=E7",
  key: 'ec384',
  keyOf: 'e7',
  issuer: 'x1',
  digest: 'sha256',
  days: 1095,
  ext: caExt('caIssuers;URI:http://x1.i.lencr.org/', 'http://x1.c.lencr.org/', '2.23.140.1.2.1', true, true),
});
makeCert({
  name: 'le-leaf',
  subject: `/CN=${DOMAIN}`,
  key: 'ec256',
  issuer: 'e7',
  digest: 'sha384',
  days: 90,
  ext: leafExt('caIssuers;URI:http://e7.i.lencr.org/', 'http://e7.c.lencr.org/42.crl', 'serverAuth', 2),
});

// ---- ACM's shape: Starfield Services G2 (RSA-2048) cross-signs Amazon Root CA 1 / 3 ----
const starfield =
  '/C=US/ST=Arizona/L=Scottsdale/O=Starfield Technologies, Inc./CN=Starfield Services Root Certificate Authority - G2';
makeCert({
  name: 'sfsg2',
  subject: starfield,
  key: 'rsa2048',
  digest: 'sha256',
  days: 9000,
  ext: [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
  ],
});
const rootG2Aia =
  'OCSP;URI:http://ocsp.rootg2.amazontrust.com,caIssuers;URI:http://crt.rootg2.amazontrust.com/rootg2.cer';
const crossSignedRootExt = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid:always',
  `authorityInfoAccess=${rootG2Aia}`,
  'crlDistributionPoints=URI:http://crl.rootg2.amazontrust.com/rootg2.crl',
  'certificatePolicies=2.5.29.32.0',
];
for (const [name, cn, key] of [
  ['root3x', 'Amazon Root CA 3', 'ec256'],
  ['root1x', 'Amazon Root CA 1', 'rsa2048'],
] as const)
  makeCert({
    name,
    subject: `/C=US/O=Amazon/CN=${cn}`,
    key,
    issuer: 'sfsg2',
    digest: 'sha256',
    days: 8000,
    ext: crossSignedRootExt,
  });
const acmIntermediate = (name: string, cn: string, key: Key, issuer: string, root: string) =>
  makeCert({
    name,
    subject: `/C=US/O=Amazon/CN=${cn}`,
    key,
    issuer,
    digest: 'sha256',
    days: 3000,
    ext: caExt(
      `OCSP;URI:http://ocsp.${root}.amazontrust.com,caIssuers;URI:http://crt.${root}.amazontrust.com/${root}.cer`,
      `http://crl.${root}.amazontrust.com/${root}.crl`,
      '2.23.140.1.2.1',
      true,
      true,
    ),
  });
acmIntermediate('e2m02', 'Amazon ECDSA 256 M02', 'ec256', 'root3x', 'rootca3');
acmIntermediate('m02', 'Amazon RSA 2048 M02', 'rsa2048', 'root1x', 'rootca1');
// ACM leaves: OCSP and CA Issuers, serverAuth+clientAuth, three SCTs (395-day lifetime).
const acmLeaf = (name: string, key: Key, issuer: string, tag: string) =>
  makeCert({
    name,
    subject: `/CN=${DOMAIN}`,
    key,
    issuer,
    digest: 'sha256',
    days: 395,
    ext: leafExt(
      `OCSP;URI:http://ocsp.${tag}.amazontrust.com,caIssuers;URI:http://crt.${tag}.amazontrust.com/${tag}.cer`,
      `http://crl.${tag}.amazontrust.com/${tag}.crl`,
      'serverAuth,clientAuth',
      3,
    ),
  });
acmLeaf('acm-ec-leaf', 'ec256', 'e2m02', 'e2m02');
acmLeaf('acm-rsa-leaf', 'rsa2048', 'm02', 'r2m02');

const realRoot3 = execFileSync('openssl', [
  'x509',
  '-in',
  '/etc/ssl/certs/Amazon_Root_CA_3.pem',
  '-outform',
  'DER',
]).length;

const chains = {
  'short-ecdsa': { leaf: 'le-leaf', intermediates: ['e7'] },
  'short-ecdsa-x1': { leaf: 'le-leaf', intermediates: ['e7x1'] },
  'acm-ecdsa': { leaf: 'acm-ec-leaf', intermediates: ['e2m02', 'root3x'] },
  'acm-rsa': { leaf: 'acm-rsa-leaf', intermediates: ['m02', 'root1x'] },
} as const;

// ---- Capture ----
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pcap = f('tls.pcap');
const tshark: ChildProcess = spawn(
  'tshark',
  ['-i', 'lo', '-f', 'tcp portrange 4430-4439', '-w', pcap, '-q'],
  {
    stdio: ['ignore', 'ignore', 'pipe'],
  },
);
await new Promise<void>((resolve, reject) => {
  let err = '';
  tshark.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.includes('Capturing on')) resolve();
  });
  tshark.on('exit', (code) => reject(new Error(`tshark exited ${code}: ${err}`)));
});

function startServer(port: number, leaf: string, intermediates: readonly string[]): ChildProcess {
  writeFileSync(
    f(`chain-${port}.pem`),
    intermediates.map((n) => readFileSync(f(`${n}.pem`), 'utf8')).join(''),
  );
  return spawn(
    'openssl',
    [
      's_server',
      '-accept',
      String(port),
      '-tls1_3',
      '-groups',
      'X25519',
      '-ciphersuites',
      'TLS_AES_128_GCM_SHA256',
      '-cert',
      f(`${leaf}.pem`),
      '-key',
      f(`${leaf}.key`),
      '-cert_chain',
      f(`chain-${port}.pem`),
      '-quiet',
    ],
    { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] },
  );
}

/** One client connection: handshake, wait for the tickets, close. Returns s_client's "handshake has read". */
async function connect(port: number, session: { out?: string; in?: string }): Promise<number> {
  const args = [
    's_client',
    '-connect',
    `127.0.0.1:${port}`,
    '-servername',
    DOMAIN,
    '-tls1_3',
    '-groups',
    'X25519',
    '-ciphersuites',
    'TLS_AES_128_GCM_SHA256',
    ...(session.out ? ['-sess_out', session.out] : []),
    ...(session.in ? ['-sess_in', session.in] : []),
  ];
  const client = spawn('openssl', args, { cwd: dir, stdio: ['pipe', 'pipe', 'ignore'] });
  let out = '';
  client.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await sleep(300);
  client.stdin?.end();
  await new Promise((r) => client.on('exit', r));
  const m = /SSL handshake has read (\d+) bytes/.exec(out);
  if (session.in && !/Reused, TLSv1\.3/.test(out)) throw new Error('the second connection did not resume');
  return m ? Number(m[1]) : Number.NaN;
}

/** Connections per case: the server's ACKs depend on timing (delayed ACK), so one packet more or less varies. */
const ROUNDS = 5;
const ports: Record<string, number> = {};
const opensslRead: Record<string, number[]> = {};
let port = 4430;
for (const [name, chain] of Object.entries(chains)) {
  ports[name] = port;
  const server = startServer(port, chain.leaf, chain.intermediates);
  await sleep(300);
  const session = f(`${name}.sess`);
  opensslRead[name] = [];
  for (let i = 0; i < ROUNDS; i++) opensslRead[name].push(await connect(port, { out: session }));
  if (name === 'short-ecdsa') {
    ports.resumed = port; // same port: the resumed connections are the last ROUNDS streams on it
    opensslRead.resumed = [];
    for (let i = 0; i < ROUNDS; i++) opensslRead.resumed.push(await connect(port, { in: session }));
  }
  server.kill();
  await new Promise((r) => server.on('exit', r));
  port += 1;
}
await sleep(500);
tshark.kill('SIGINT');
await new Promise((r) => tshark.on('exit', r));

// ---- Count ----
const fields = execFileSync('tshark', [
  '-r',
  pcap,
  '-T',
  'fields',
  '-E',
  'separator=\t',
  '-e',
  'tcp.stream',
  '-e',
  'tcp.srcport',
  '-e',
  'ip.len',
  '-e',
  'tcp.len',
  '-e',
  'tls.record.content_type',
  '-e',
  'tls.record.length',
  '-e',
  'tcp.flags.fin',
  '-e',
  'tcp.flags.syn',
])
  .toString()
  .trim()
  .split('\n')
  .map((l) => l.split('\t'));

interface Stream {
  id: string;
  port: number;
  packets: number;
  ipBytes: number;
  tcpPayload: number;
  tlsRecordBytes: number;
  synAck: number;
  fin: number;
}
const streams = new Map<string, Stream>();
/** Client→server IP bytes by stream: what the load balancer processes on top (not data out). */
const upstream = new Map<string, number>();
for (const [stream, src, ipLen, tcpLen, _types, recLens, fin, syn] of fields) {
  const srcPort = Number(src);
  if (srcPort < 4430 || srcPort > 4439) {
    upstream.set(stream, (upstream.get(stream) ?? 0) + Number(ipLen));
    continue;
  }
  const s = streams.get(stream) ?? {
    id: stream,
    port: srcPort,
    packets: 0,
    ipBytes: 0,
    tcpPayload: 0,
    tlsRecordBytes: 0,
    synAck: 0,
    fin: 0,
  };
  s.packets += 1;
  s.ipBytes += Number(ipLen);
  s.tcpPayload += Number(tcpLen);
  s.tlsRecordBytes += (recLens ? recLens.split(',') : []).reduce((t, n) => t + 5 + Number(n), 0);
  if (syn === '1' || syn === 'True') s.synAck += Number(ipLen);
  if (fin === '1' || fin === 'True') s.fin += 1;
  streams.set(stream, s);
}
const ordered = [...streams.entries()].sort((x, y) => Number(x[0]) - Number(y[0])).map(([, s]) => s);
const byName: Record<string, Stream[]> = {};
for (const [name, p] of Object.entries(ports)) {
  const onPort = ordered.filter((s) => s.port === p);
  byName[name] = name === 'resumed' ? onPort.slice(ROUNDS) : onPort.slice(0, ROUNDS);
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const stat = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

const certBytes = Object.fromEntries(
  ['le-leaf', 'e7', 'e7x1', 'acm-ec-leaf', 'e2m02', 'root3x', 'acm-rsa-leaf', 'm02', 'root1x'].map((n) => [
    n,
    derSize(n),
  ]),
);
const result = {
  method:
    'openssl s_server/s_client (OpenSSL 3, TLS 1.3, X25519, TLS_AES_128_GCM_SHA256, 2 session tickets on a full handshake), tshark on a 1,500-MTU loopback in its own network namespace; server→client bytes of one connection with no application data; median, min and max of `rounds` connections',
  opensslVersion: execFileSync('openssl', ['version']).toString().trim(),
  certificateDerBytes: { ...certBytes, 'Amazon_Root_CA_3 (real, self-signed)': realRoot3 },
  rounds: ROUNDS,
  connections: Object.fromEntries(
    Object.entries(byName).map(([name, ss]) => [
      name,
      {
        serverToClientIpBytes: stat(ss.map((s) => s.ipBytes)),
        packets: stat(ss.map((s) => s.packets)),
        tlsRecordBytes: stat(ss.map((s) => s.tlsRecordBytes)),
        tcpPayloadBytes: stat(ss.map((s) => s.tcpPayload)),
        tcpIpHeaderBytes: stat(ss.map((s) => s.ipBytes - s.tcpPayload)),
        synAckIpBytes: median(ss.map((s) => s.synAck)),
        finPackets: median(ss.map((s) => s.fin)),
        opensslHandshakeRead: stat(opensslRead[name]),
        clientToServerIpBytes: stat(ss.map((s) => upstream.get(s.id) ?? 0)),
      },
    ]),
  ),
};
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result, null, 2));
writeFileSync(join(here, '../results/tls-handshake-bytes.json'), `${JSON.stringify(result, null, 2)}\n`);

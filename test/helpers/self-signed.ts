/** A throwaway self-signed certificate from openssl, for the tests' own TLS servers. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SelfSignedOptions {
  /** openssl `-newkey` with its options: `['rsa:2048']` or `['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']`. */
  newKey: string[];
  commonName: string;
  /** The subjectAltName extension's value, e.g. `DNS:localhost`. */
  subjectAltName: string;
  days: number;
}

/** PEM key and certificate. */
export function selfSigned(o: SelfSignedOptions): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'alt-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        ...o.newKey,
        '-nodes',
        '-days',
        String(o.days),
        '-subj',
        `/CN=${o.commonName}`,
        '-addext',
        `subjectAltName=${o.subjectAltName}`,
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

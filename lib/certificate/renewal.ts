/**
 * The pure core of the certificate renewer (`renewer.ts` is its I/O shell): whether the imported
 * certificate needs renewing, and which certificates of what the ACME CA returns go to ACM.
 *
 * The point of the managed certificate is a short chain: every full TLS handshake sends the chain,
 * and ACM's own certificates send three (leaf, Amazon intermediate, Amazon root cross-signed by
 * Starfield), ~1.2 KB more than a leaf and one intermediate (bench/results/tls-handshake-bytes.json).
 * So the renewer imports exactly the leaf and the intermediate that issued it, and only when that
 * intermediate was issued by the root it was told browsers trust (`trustedRoot`): a chain that needs
 * a cross-sign to reach a trusted root would break handshakes once trimmed, and is refused instead.
 */
import { X509Certificate } from 'node:crypto';

const DAY_MS = 86_400_000;

export interface RenewalDecision {
  renew: boolean;
  /** Whole days until NotAfter (negative once expired); absent when there is no certificate yet. */
  daysLeft?: number;
  reason: string;
}

/**
 * Renew when there is no certificate yet, or fewer than `renewDaysBefore` days remain. Let's
 * Encrypt's 90-day certificates renewed 30 days before the end leave a month of daily retries
 * before anything expires (https://letsencrypt.org/docs/integration-guide/).
 */
export function renewalDecision(input: {
  notAfter: Date | undefined;
  now: Date;
  renewDaysBefore: number;
  /** The name the imported certificate is for, and the one configured: a changed name renews now. */
  certificateDomain?: string;
  domain?: string;
}): RenewalDecision {
  if (!(input.renewDaysBefore > 0)) throw new Error('renewDaysBefore must be above 0');
  if (!input.notAfter) return { renew: true, reason: 'no certificate imported yet' };
  const daysLeft = Math.floor((input.notAfter.getTime() - input.now.getTime()) / DAY_MS);
  if (
    input.domain !== undefined &&
    input.certificateDomain !== undefined &&
    input.certificateDomain.toLowerCase() !== input.domain.toLowerCase()
  )
    return {
      renew: true,
      daysLeft,
      reason: `the certificate is for ${input.certificateDomain}, not ${input.domain}`,
    };
  return daysLeft < input.renewDaysBefore
    ? {
        renew: true,
        daysLeft,
        reason: `${daysLeft} days left, fewer than ${input.renewDaysBefore}`,
      }
    : {
        renew: false,
        daysLeft,
        reason: `${daysLeft} days left, renewing below ${input.renewDaysBefore}`,
      };
}

/** The PEM blocks of a chain, in order. */
export function splitPemChain(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** The CN of an X.509 distinguished name as node:crypto prints it (one `key=value` a line). */
export function commonName(dn: string): string | undefined {
  return dn
    .split('\n')
    .map((l) => /^CN=(.*)$/.exec(l.trim())?.[1])
    .find((cn) => cn !== undefined);
}

export interface TrimmedChain {
  /** The leaf, PEM: ImportCertificate's Certificate. */
  certificate: string;
  /** The one intermediate, PEM: ImportCertificate's CertificateChain. */
  chain: string;
  notAfter: Date;
  /** Certificates of the CA's chain left out (a cross-signed root, extra intermediates). */
  dropped: number;
}

/**
 * Leaf + the intermediate that issued it, out of the PEM chain the CA returned. Refuses a leaf
 * whose key is not ECDSA P-256 (what the cost model prices), a second certificate that did not
 * issue the leaf, and an intermediate not issued by `trustedRoot` (by CN, as ACME's alternate
 * chains are told apart, https://letsencrypt.org/certificates/).
 */
export function trimChain(pem: string, trustedRoot: string): TrimmedChain {
  const blocks = splitPemChain(pem);
  if (blocks.length < 2)
    throw new Error(`the CA returned ${blocks.length} certificate(s): expected a leaf and its intermediate`);
  const [leafPem, intermediatePem] = blocks as [string, string];
  const leaf = new X509Certificate(leafPem);
  const intermediate = new X509Certificate(intermediatePem);
  const key = leaf.publicKey.asymmetricKeyDetails;
  if (leaf.publicKey.asymmetricKeyType !== 'ec' || key?.namedCurve !== 'prime256v1')
    throw new Error(
      `the leaf's key is ${leaf.publicKey.asymmetricKeyType} ${key?.namedCurve ?? ''}: expected ECDSA P-256`,
    );
  // By name and signature (OpenSSL's checkIssued also wants key identifiers and usages that test
  // CAs such as pebble leave out).
  if (leaf.issuer !== intermediate.subject || !leaf.verify(intermediate.publicKey))
    throw new Error(
      `the second certificate (${intermediate.subject.replaceAll('\n', ', ')}) did not issue the leaf`,
    );
  const root = commonName(intermediate.issuer);
  if (root !== trustedRoot)
    throw new Error(
      `the intermediate ${commonName(intermediate.subject)} is issued by "${root}", not the trusted root "${trustedRoot}": leaf + intermediate would not reach a root browsers hold (ask the CA for the chain to "${trustedRoot}")`,
    );
  return {
    certificate: `${leafPem}\n`,
    chain: `${intermediatePem}\n`,
    notAfter: leaf.validToDate,
    dropped: blocks.length - 2,
  };
}

import { certificateInfo } from '../info.js';

/** One CA certificate of a trust bundle, with what the bundle logic needs to know about it. */
export interface CaCertificate {
  /** Normalised PEM: one `CERTIFICATE` block, LF line ends, 64-column body, trailing newline. */
  readonly pem: string;
  /** SHA-256 of the DER form (colon-separated hex): the identity used to de-duplicate. */
  readonly fingerprint: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** What a PEM bundle held: the CA certificates in order, and why any other block was left out. */
export interface ReadBundle {
  readonly cas: readonly CaCertificate[];
  readonly problems: readonly string[];
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Re-wraps a PEM body so the same certificate always prints the same way (and compares equal). */
function normalisePem(label: string, body: string): string {
  const base64 = body.replace(/\s+/g, '');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The `CERTIFICATE` blocks of a PEM text, normalised, in order. Other blocks are skipped. */
export function splitPemCertificates(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    if (match[1] === 'CERTIFICATE') out.push(normalisePem('CERTIFICATE', match[2] ?? ''));
  }
  return out;
}

/**
 * Reads a trust bundle (a `ca.crt` or a webhook's caBundle). A block that does not parse or is not a
 * CA certificate is left out and named in `problems`: a caBundle is only as good as its CAs, and a
 * serving certificate pasted by mistake must not be mistaken for one.
 */
export function readCaBundle(text: string): ReadBundle {
  const cas: CaCertificate[] = [];
  const problems: string[] = [];
  splitPemCertificates(text).forEach((pem, index) => {
    try {
      const info = certificateInfo(pem);
      if (!info.isCA) {
        problems.push(`certificate ${index + 1} (${info.subject}) is not a CA`);
        return;
      }
      cas.push({
        pem,
        fingerprint: info.fingerprint,
        subject: info.subject,
        notBefore: info.notBefore,
        notAfter: info.notAfter,
      });
    } catch (err) {
      problems.push(`certificate ${index + 1} does not parse: ${String(err)}`);
    }
  });
  return { cas, problems };
}

/** The CAs in order of first appearance, each once. */
export function dedupeCas(cas: readonly CaCertificate[]): CaCertificate[] {
  const seen = new Set<string>();
  return cas.filter((ca) => {
    if (seen.has(ca.fingerprint)) return false;
    seen.add(ca.fingerprint);
    return true;
  });
}

/** The CAs that still verify anything at `now` (not yet expired), each once, in order. */
export function unexpiredCas(cas: readonly CaCertificate[], now: Date): CaCertificate[] {
  return dedupeCas(cas).filter((ca) => ca.notAfter.getTime() > now.getTime());
}

/**
 * The caBundle a webhook configuration should carry: every CA we want trusted (`desired`, from the
 * Secret, in its order), plus any CA already there that is unexpired and NEWER than all of ours.
 *
 * Why keep those: replicas follow the Secret by polling, so a replica can briefly act on an old copy.
 * If another replica has just rotated the CA and written the new one into the caBundle, the stale
 * replica must not take it out again — the new CA will be in its own desired set once it re-reads
 * the Secret. Anything older than our newest CA and not wanted (a CA from a deleted Secret, an
 * expired one) is dropped, so the bundle does not grow forever.
 */
export function mergeCaBundle(
  desired: readonly CaCertificate[],
  current: readonly CaCertificate[],
  now: Date,
): CaCertificate[] {
  const wanted = dedupeCas(desired);
  const newestWanted = Math.max(...wanted.map((ca) => ca.notBefore.getTime()), Number.NEGATIVE_INFINITY);
  const newer = current.filter(
    (ca) => ca.notBefore.getTime() > newestWanted && ca.notAfter.getTime() > now.getTime(),
  );
  return dedupeCas([...wanted, ...newer]);
}

/** The PEM text of a bundle: the normalised certificates one after the other. */
export function bundlePem(cas: readonly CaCertificate[]): string {
  return cas.map((ca) => ca.pem).join('');
}

/** True when every CA of `needed` is in `bundle` (by fingerprint). */
export function bundleContains(bundle: readonly CaCertificate[], needed: readonly CaCertificate[]): boolean {
  const have = new Set(bundle.map((ca) => ca.fingerprint));
  return needed.every((ca) => have.has(ca.fingerprint));
}

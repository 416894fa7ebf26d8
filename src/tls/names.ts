import { isIP } from 'node:net';

/**
 * A bad name, address or lifetime handed to the certificate maker. The message names the bad value so
 * the CLI can print it as is (`--dns`, `--ip`, `--days`).
 */
export class CertificateInputError extends Error {
  override readonly name = 'CertificateInputError';
}

/** The subject alternative names of a serving certificate, checked and without duplicates. */
export interface SubjectNames {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

// RFC 1123 §2.1 host name label: letters, digits and hyphens, no hyphen at either end, 1–63 octets.
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// RFC 1035 §2.3.4: a name is at most 253 characters in its dotted text form.
const MAX_NAME_LENGTH = 253;
// Nobody means a 30-year serving certificate; a typo like `--days 36500` should be loud.
export const MAX_VALID_DAYS = 3650;

/** Why `name` is not a DNS name a certificate may carry, or undefined if it is one. */
export function dnsNameProblem(name: string): string | undefined {
  if (isIP(name) !== 0) return 'is an IP address; list it as an IP address, not a DNS name';
  // RFC 6125 §6.4.3: a wildcard is only honoured as the whole left-most label (`*.example.com`).
  const host = name.startsWith('*.') ? name.slice(2) : name;
  if (host.length === 0 || name.length > MAX_NAME_LENGTH) return 'is not 1–253 characters long';
  const labels = host.split('.');
  if (!labels.every((label) => LABEL.test(label))) {
    return 'is not an RFC 1123 host name (letters, digits, hyphens; a `*.` prefix at most)';
  }
  return undefined;
}

/** Why `ip` is not an address a certificate may carry, or undefined if it is one. */
export function ipAddressProblem(ip: string): string | undefined {
  // A zone (`fe80::1%eth0`) is local to one host and has no encoding in an iPAddress SAN.
  if (isIP(ip) === 0 || ip.includes('%')) return 'is not an IPv4 or IPv6 address';
  return undefined;
}

/**
 * Checks and de-duplicates the names for a serving certificate. Throws CertificateInputError naming the
 * first bad value: a certificate for names the client will not ask for is worse than no certificate.
 */
export function checkSubjectNames(dnsNames: readonly string[], ipAddresses: readonly string[]): SubjectNames {
  for (const name of dnsNames) {
    const problem = dnsNameProblem(name);
    if (problem) throw new CertificateInputError(`DNS name ${JSON.stringify(name)} ${problem}`);
  }
  for (const ip of ipAddresses) {
    const problem = ipAddressProblem(ip);
    if (problem) throw new CertificateInputError(`IP address ${JSON.stringify(ip)} ${problem}`);
  }
  if (dnsNames.length === 0 && ipAddresses.length === 0) {
    // Go clients (kube-apiserver) ignore the Common Name since Go 1.15: no SAN, no match.
    throw new CertificateInputError('a serving certificate needs at least one DNS name or IP address');
  }
  return { dnsNames: [...new Set(dnsNames)], ipAddresses: [...new Set(ipAddresses)] };
}

/** Throws CertificateInputError unless `days` is a whole number of days in 1..MAX_VALID_DAYS. */
export function checkValidDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_VALID_DAYS) {
    throw new CertificateInputError(
      `validity ${String(days)} days is not a whole number between 1 and ${MAX_VALID_DAYS}`,
    );
  }
  return days;
}

/** The 4 or 16 network-order bytes of an address that `ipAddressProblem` accepted. */
export function ipAddressBytes(ip: string): Uint8Array {
  if (isIP(ip) === 4) return Uint8Array.from(ip.split('.').map(Number));
  return ipv6Bytes(ip);
}

// Written out rather than left to node-forge: forge's parser reads `::ffff:10.0.0.1` as IPv4 (it looks
// for a dot first) and writes a wrong address into the certificate.
function ipv6Bytes(ip: string): Uint8Array {
  let text = ip;
  const groups: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  groups.push(...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back);
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

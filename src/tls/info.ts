import { X509Certificate } from 'node:crypto';

/** What the probes, the reloader and the tests want to know about a certificate. */
export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  /** Upper-case hex, as OpenSSL prints it. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly dnsNames: readonly string[];
  /** IPv4 dotted, IPv6 in its shortest form (`::1`). */
  readonly ipAddresses: readonly string[];
  /** SHA-256 of the DER certificate, colon-separated upper-case hex. */
  readonly fingerprint: string;
  readonly isCA: boolean;
}

/**
 * Reads the first certificate of a PEM bundle. Uses node:crypto (OpenSSL) rather than node-forge so a
 * user's ECDSA certificate (cert-manager's common choice) reads as well as our own RSA ones.
 * Throws (OpenSSL's error) when the PEM holds no certificate.
 */
export function certificateInfo(pem: string | Buffer): CertificateInfo {
  const x509 = new X509Certificate(pem);
  const names = parseSubjectAltName(x509.subjectAltName ?? '');
  return {
    subject: x509.subject,
    issuer: x509.issuer,
    serialNumber: x509.serialNumber,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    dnsNames: names.filter((n) => n.type === 'DNS').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'IP Address').map((n) => shortIp(n.value)),
    fingerprint: x509.fingerprint256,
    isCA: x509.ca,
  };
}

interface GeneralName {
  readonly type: string;
  readonly value: string;
}

/**
 * Splits Node's subjectAltName text (`DNS:a, IP Address:10.0.0.1`). Since Node 17.3.1 (CVE-2021-44532)
 * a value holding `,`, `"` or other special characters is printed as a JSON string, so a value is
 * read as JSON when it starts with a quote instead of being split blindly on ", ".
 */
export function parseSubjectAltName(text: string): GeneralName[] {
  const names: GeneralName[] = [];
  let rest = text;
  while (rest.length > 0) {
    const colon = rest.indexOf(':');
    if (colon < 0) break;
    const type = rest.slice(0, colon);
    rest = rest.slice(colon + 1);
    let value: string;
    if (rest.startsWith('"')) {
      const end = closingQuote(rest);
      value = JSON.parse(rest.slice(0, end + 1)) as string;
      rest = rest.slice(end + 1);
    } else {
      const comma = rest.indexOf(', ');
      value = comma < 0 ? rest : rest.slice(0, comma);
      rest = comma < 0 ? '' : rest.slice(comma);
    }
    names.push({ type, value });
    rest = rest.replace(/^, /, '');
  }
  return names;
}

function closingQuote(quoted: string): number {
  for (let i = 1; i < quoted.length; i++) {
    if (quoted[i] === '\\') i++;
    else if (quoted[i] === '"') return i;
  }
  return quoted.length - 1;
}

// OpenSSL prints IPv6 SANs uncompressed (`0:0:0:0:0:0:0:1`); the URL parser gives the canonical form.
function shortIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

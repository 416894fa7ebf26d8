import { makeCA, makeServingCert, type PemPair } from '../certs.js';
import type { SubjectNames } from '../names.js';
import { bundlePem, readCaBundle, unexpiredCas, type CaCertificate } from './pem.js';
import { validDays, type Plan, type RenewalPolicy } from './plan.js';
import type { CertSecretState, CertSet } from './secret-data.js';

const CA_COMMON_NAME = 'kube-converge webhook CA';

export interface IssueContext {
  readonly want: SubjectNames;
  readonly policy: RenewalPolicy;
  readonly now: Date;
}

function newCA(ctx: IssueContext): Promise<PemPair> {
  return makeCA({ commonName: CA_COMMON_NAME, validDays: validDays(ctx.policy.caValidityMs), now: ctx.now });
}

function newServing(ca: PemPair, ctx: IssueContext): Promise<PemPair> {
  return makeServingCert({
    ca,
    dnsNames: ctx.want.dnsNames,
    ipAddresses: ctx.want.ipAddresses,
    validDays: validDays(ctx.policy.servingValidityMs),
    now: ctx.now,
  });
}

/** The trust bundle text: `first`, then the older CAs that still verify something. */
function trustBundle(first: string, older: readonly CaCertificate[], now: Date): string {
  const firstCas = readCaBundle(first).cas;
  return bundlePem(unexpiredCas([...firstCas, ...older], now));
}

/**
 * The Secret content that carries out `plan` (an acting plan: not keep or wait). Generates keys
 * (node:crypto, off the event loop) and signs with node-forge through certs.ts.
 * - issue-all: a new CA and a pair signed by it; older CAs that still verify stay trusted.
 * - rotate-ca: a new CA first in the trust bundle, the old CAs after it, the serving pair unchanged.
 *   The old CA's key is dropped: nothing is signed with it again.
 * - issue-serving: a new pair from the signing CA; the trust bundle loses its expired CAs.
 */
export async function carryOut(plan: Plan, state: CertSecretState, ctx: IssueContext): Promise<CertSet> {
  const signer = state.signer;
  const serving = state.serving?.checked.material;
  if (plan.action === 'rotate-ca' && serving) {
    const ca = await newCA(ctx);
    return {
      caCert: trustBundle(ca.cert, state.trusted, ctx.now),
      caKey: ca.key,
      tlsCert: serving.cert,
      tlsKey: serving.key,
    };
  }
  if (plan.action === 'issue-serving' && signer) {
    const pair = await newServing({ cert: signer.ca.pem, key: signer.key }, ctx);
    const others = state.trusted.filter((ca) => ca.fingerprint !== signer.ca.fingerprint);
    return {
      caCert: trustBundle(signer.ca.pem, others, ctx.now),
      caKey: signer.key,
      tlsCert: pair.cert,
      tlsKey: pair.key,
    };
  }
  // issue-all, and the defensive fall-backs of the two above (a plan never asks them without their input).
  const ca = await newCA(ctx);
  const pair = await newServing(ca, ctx);
  return {
    caCert: trustBundle(ca.cert, state.trusted, ctx.now),
    caKey: ca.key,
    tlsCert: pair.cert,
    tlsKey: pair.key,
  };
}

/** A first Secret: a new CA and a pair signed by it. */
export function issueFresh(ctx: IssueContext): Promise<CertSet> {
  return carryOut({ action: 'issue-all', reason: 'first start' }, { trusted: [] }, ctx);
}

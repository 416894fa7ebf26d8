/** `self` mode cannot do its job right now (a misconfiguration, or the Secret keeps changing under it). */
export class SelfCertError extends Error {
  override readonly name = 'SelfCertError';
}

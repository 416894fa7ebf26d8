/**
 * Why a Portworx call failed. Every failure makes the `portworx` source throw, so the combinator
 * records the message and asks the next configured source (contract §6): the extender falls back to
 * topology from Kubernetes instead of failing the pod. Messages name the gateway and the operation,
 * never the token.
 */

/** How one SDK call ended; the `result` label of kube_converge_portworx_requests_total. */
export type SdkCallResult =
  | 'ok'
  | 'not-found'
  | 'timeout'
  | 'unreachable'
  | 'server-error'
  | 'token-rejected'
  | 'token-unreadable'
  | 'bad-response';

export class PortworxError extends Error {
  override readonly name: string = 'PortworxError';
  constructor(
    message: string,
    readonly result: Exclude<SdkCallResult, 'ok' | 'not-found'>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The gateway did not answer in time, could not be reached, or answered 5xx: try again later. */
export class PortworxUnavailableError extends PortworxError {
  override readonly name = 'PortworxUnavailableError';
}

/** The token is missing, unreadable or rejected (HTTP 401/403): an operator must act. */
export class PortworxAuthError extends PortworxError {
  override readonly name = 'PortworxAuthError';
}

/** The gateway answered something the published definition does not describe. */
export class PortworxResponseError extends PortworxError {
  override readonly name = 'PortworxResponseError';
}

import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '../../config/config.js';
import { OPTIONS, type OptionSpec } from '../../config/options.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { PortworxClient, type PortworxTls } from './client.js';
import { PortworxSource } from './source.js';
import { TokenFile } from './token.js';

export type PortworxSettings = Pick<
  Config,
  | 'portworxEndpoint'
  | 'portworxTokenFile'
  | 'portworxCaFile'
  | 'portworxClientCertFile'
  | 'portworxClientKeyFile'
  | 'portworxTimeout'
  | 'portworxCacheTtl'
>;

export interface PortworxDeps {
  readonly metrics?: Pick<Metrics, 'placementFallbacks' | 'portworxRequests' | 'portworxDuration'>;
  readonly logger?: Logger;
}

/** An int setting's default from the OPTIONS table, for callers that built no full Config. */
function defaultOf(key: 'portworxTimeout' | 'portworxCacheTtl'): number {
  const spec = (OPTIONS as readonly OptionSpec[]).find((o) => o.key === key);
  return typeof spec?.default === 'number' ? spec.default : 0;
}

function pem(path: string | undefined, flag: string): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

/**
 * The `portworx` source as configured (docs/portworx.md). TLS files are read once, at start; the
 * token file is read on use and re-read when it changes (token.ts).
 */
export function portworxSourceFromConfig(
  settings: Partial<PortworxSettings>,
  deps: PortworxDeps = {},
): PortworxSource {
  if (!settings.portworxEndpoint)
    throw new ConfigError('the portworx placement source needs --portworx-endpoint');
  const tls: PortworxTls = {
    ca: pem(settings.portworxCaFile, '--portworx-ca-file'),
    cert: pem(settings.portworxClientCertFile, '--portworx-client-cert-file'),
    key: pem(settings.portworxClientKeyFile, '--portworx-client-key-file'),
  };
  const metrics = deps.metrics;
  const client = new PortworxClient({
    endpoint: settings.portworxEndpoint,
    timeoutMs: settings.portworxTimeout ?? defaultOf('portworxTimeout'),
    token: settings.portworxTokenFile ? new TokenFile(settings.portworxTokenFile) : undefined,
    tls,
    observe: metrics
      ? (op, result, seconds): void => {
          metrics.portworxRequests.inc({ op, result });
          metrics.portworxDuration.observe({ op }, seconds);
        }
      : undefined,
  });
  return new PortworxSource({
    api: client,
    cacheTtlMs: settings.portworxCacheTtl ?? defaultOf('portworxCacheTtl'),
    fallbacks: metrics,
    logger: deps.logger,
  });
}

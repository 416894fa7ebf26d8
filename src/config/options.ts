import { DEFAULT_PORT, DEFAULT_PROVISIONERS, DEFAULT_SCHEDULER_NAME } from '../contract/index.js';

/**
 * Every setting, once: its flag, environment variable, config-file key, type, default and help.
 * `--help` is generated from this table, so the three spellings can never drift apart.
 */
export type OptionType = 'int' | 'string' | 'bool' | 'list' | 'enum' | 'bytes' | 'duration';

export interface OptionSpec {
  /** Config-file key (camelCase); the flag and env var are derived unless given. */
  readonly key: string;
  readonly type: OptionType;
  readonly help: string;
  readonly default?: unknown;
  readonly choices?: readonly string[];
  /** For `int`/`bytes`: inclusive bounds; for `duration`, in milliseconds. */
  readonly min?: number;
  readonly max?: number;
  /** Which commands read it (for --help grouping). */
  readonly scope: 'all' | 'serve';
  /** The flag name when it is not derived from the key (repeatable lists read singular). */
  readonly flag?: string;
}

export const OPTIONS = [
  // --- what is managed and what we write ---
  {
    key: 'schedulerName',
    type: 'string',
    default: DEFAULT_SCHEDULER_NAME,
    scope: 'all',
    help: 'scheduler name written into pods with managed storage (set "stork" to drive an existing Stork)',
  },
  {
    key: 'provisioners',
    flag: 'provisioner',
    type: 'list',
    default: DEFAULT_PROVISIONERS,
    scope: 'all',
    help: 'provisioner / CSI driver names that count as managed storage (repeatable; env and file take a list)',
  },
  {
    key: 'overrideSchedulers',
    flag: 'override-scheduler',
    type: 'list',
    default: [],
    scope: 'all',
    help: 'explicit scheduler names the webhook may replace (default: none; an explicit choice is kept)',
  },
  // --- where placement comes from and how it is scored ---
  {
    key: 'placement',
    type: 'list',
    default: ['node-labels', 'pv-node-affinity'],
    choices: ['node-labels', 'pv-node-affinity', 'portworx'],
    scope: 'all',
    help: 'placement sources, in order; the first that knows a volume answers',
  },
  {
    key: 'scoreScale',
    type: 'enum',
    default: 'linear',
    choices: ['linear', 'raw'],
    scope: 'all',
    help: 'extender scores: "linear" 0-10 (the extender API range) or "raw" Stork-compatible numbers',
  },
  // --- the portworx placement source (contract §6; docs/portworx.md) ---
  {
    key: 'portworxEndpoint',
    type: 'string',
    scope: 'all',
    help: 'Portworx OpenStorage SDK REST gateway, e.g. https://portworx-api.portworx:9021 (needed when --placement lists portworx)',
  },
  {
    key: 'portworxTokenFile',
    type: 'string',
    scope: 'all',
    help: 'file holding the Portworx bearer token (a mounted Secret such as px-user-token, key auth-token); re-read when it changes',
  },
  {
    key: 'portworxCaFile',
    type: 'string',
    scope: 'all',
    help: 'CA bundle (PEM) trusted for the Portworx gateway certificate (https endpoints)',
  },
  {
    key: 'portworxClientCertFile',
    type: 'string',
    scope: 'all',
    help: 'client certificate (PEM) presented to the Portworx gateway; goes with --portworx-client-key-file',
  },
  {
    key: 'portworxClientKeyFile',
    type: 'string',
    scope: 'all',
    help: 'key (PEM) of --portworx-client-cert-file',
  },
  {
    key: 'portworxTimeout',
    type: 'int',
    default: 1000,
    min: 50,
    max: 30000,
    scope: 'all',
    help: 'milliseconds allowed per Portworx call; slower answers fall back to the next placement source',
  },
  {
    key: 'portworxCacheTtl',
    type: 'int',
    default: 5000,
    min: 0,
    max: 600000,
    scope: 'all',
    help: 'milliseconds Portworx node and volume answers are reused (0: not cached; concurrent asks still share a call)',
  },
  // --- cluster data ---
  {
    key: 'kubeconfig',
    type: 'string',
    scope: 'all',
    help: 'kubeconfig file (default: in-cluster config) when no --state is given',
  },
  {
    key: 'state',
    type: 'list',
    default: [],
    scope: 'all',
    help: 'files or folders of Kubernetes YAML/JSON used instead of a cluster (repeatable; watched for changes)',
  },
  {
    key: 'liveReadTimeout',
    type: 'int',
    default: 2000,
    min: 100,
    max: 30000,
    scope: 'serve',
    help: 'milliseconds allowed for the one live API read on a cache miss',
  },
  {
    key: 'cacheStaleAfter',
    type: 'duration',
    default: '2m',
    min: 1_000,
    max: 24 * 3_600_000,
    scope: 'serve',
    help: 'how long the API server may be out of reach before /readyz reports the cache stale (decisions go on from it meanwhile)',
  },
  // --- servers ---
  {
    key: 'bindAddress',
    type: 'string',
    default: '::',
    scope: 'serve',
    help: 'address every server listens on',
  },
  {
    key: 'webhookPort',
    type: 'int',
    default: DEFAULT_PORT.webhook,
    min: 0,
    max: 65535,
    scope: 'serve',
    help: 'HTTPS port of POST /mutate',
  },
  {
    key: 'extenderPort',
    type: 'int',
    default: DEFAULT_PORT.extender,
    min: 0,
    max: 65535,
    scope: 'serve',
    help: 'port of the scheduler extender (POST /filter, /prioritize); 0 disables it',
  },
  {
    key: 'extenderTls',
    type: 'bool',
    default: false,
    scope: 'serve',
    help: 'serve the extender over HTTPS with the webhook certificate (kube-scheduler: enableHTTPS)',
  },
  {
    key: 'metricsPort',
    type: 'int',
    default: DEFAULT_PORT.metrics,
    min: 0,
    max: 65535,
    scope: 'serve',
    help: 'HTTP port of GET /metrics; 0 disables it',
  },
  {
    key: 'maxReviewBytes',
    type: 'bytes',
    default: 7 * 1024 * 1024,
    min: 1024,
    max: 64 * 1024 * 1024,
    scope: 'serve',
    help: 'largest AdmissionReview body accepted (larger: 413)',
  },
  {
    key: 'maxExtenderBytes',
    type: 'bytes',
    default: 64 * 1024 * 1024,
    min: 1024,
    max: 512 * 1024 * 1024,
    scope: 'serve',
    help: 'largest extender request body accepted (full Node lists are large)',
  },
  {
    key: 'shutdownGrace',
    type: 'int',
    default: 25000,
    min: 0,
    max: 300000,
    scope: 'serve',
    help: 'milliseconds SIGTERM waits for in-flight requests before exiting',
  },
  // --- TLS ---
  {
    key: 'tlsCertFile',
    type: 'string',
    scope: 'serve',
    help: 'serving certificate (PEM); reloaded when it changes',
  },
  { key: 'tlsKeyFile', type: 'string', scope: 'serve', help: 'serving key (PEM); reloaded when it changes' },
  {
    key: 'tlsDns',
    flag: 'tls-dns',
    type: 'list',
    default: [],
    scope: 'serve',
    help: "DNS names (the webhook Service's) for the certificate made when no files are given (self-signed, or --cert-mode self)",
  },
  {
    key: 'caOut',
    type: 'string',
    scope: 'serve',
    help: 'where to write the CA of the self-signed certificate (for a caBundle)',
  },
  // --- TLS: `self` mode (a CA and pair kept in a Secret; docs in src/tls/self/source.ts) ---
  {
    key: 'certMode',
    type: 'enum',
    default: 'files',
    choices: ['files', 'self'],
    scope: 'serve',
    help: '"files": --tls-cert-file/--tls-key-file, else a self-signed pair made at start; "self": a CA and pair kept in --cert-secret, renewed, and written into the caBundle of --webhook-config-name',
  },
  {
    key: 'certSecret',
    type: 'string',
    scope: 'serve',
    help: 'self mode: the Secret holding ca.crt, ca.key, tls.crt, tls.key (created when absent, shared by the replicas)',
  },
  {
    key: 'certNamespace',
    type: 'string',
    scope: 'serve',
    help: "self mode: the Secret's namespace (default: the kubeconfig's; in a pod, its own)",
  },
  {
    key: 'webhookConfigName',
    type: 'string',
    scope: 'serve',
    help: 'self mode: our MutatingWebhookConfiguration, whose caBundle is kept up to date (never deleted)',
  },
  {
    key: 'certValidity',
    type: 'duration',
    default: '8760h',
    min: 24 * 3_600_000,
    max: 730 * 24 * 3_600_000,
    scope: 'serve',
    help: 'self mode: lifetime of a serving certificate, whole days (e.g. 8760h); the CA lives 5 times as long',
  },
  {
    key: 'certRenewBefore',
    type: 'duration',
    default: '720h',
    min: 60_000,
    max: 3650 * 24 * 3_600_000,
    scope: 'serve',
    help: 'self mode: a serving certificate is renewed this long before it expires (less than --cert-validity)',
  },
  // --- logging ---
  {
    key: 'logLevel',
    type: 'enum',
    default: 'info',
    choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    scope: 'all',
    help: 'log level (JSON logs on stderr)',
  },
] as const satisfies readonly OptionSpec[];

export type OptionKey = (typeof OPTIONS)[number]['key'];

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
/** `schedulerName` -> `scheduler-name` (used as `--scheduler-name`) */
export function flagOf(spec: Pick<OptionSpec, 'key' | 'flag'>): string {
  return spec.flag ?? kebab(spec.key);
}
/** `schedulerName` -> `KUBE_CONVERGE_SCHEDULER_NAME` */
export function envOf(spec: Pick<OptionSpec, 'key'>): string {
  return `KUBE_CONVERGE_${kebab(spec.key).replace(/-/g, '_').toUpperCase()}`;
}

import { DEFAULT_PORT, DEFAULT_PROVISIONERS, DEFAULT_SCHEDULER_NAME } from '../contract/index.js';

/**
 * Every setting, once: its flag, environment variable, config-file key, type, default and help.
 * `--help` is generated from this table, so the three spellings can never drift apart.
 */
export type OptionType = 'int' | 'string' | 'bool' | 'list' | 'enum' | 'bytes';

export interface OptionSpec {
  /** Config-file key (camelCase); the flag and env var are derived unless given. */
  readonly key: string;
  readonly type: OptionType;
  readonly help: string;
  readonly default?: unknown;
  readonly choices?: readonly string[];
  /** For `int`/`bytes`: inclusive bounds. */
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
    help: 'extra DNS names for the self-signed certificate made when no files are given',
  },
  {
    key: 'caOut',
    type: 'string',
    scope: 'serve',
    help: 'where to write the CA of the self-signed certificate (for a caBundle)',
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

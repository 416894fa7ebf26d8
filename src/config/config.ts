import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { OPTIONS, envOf, flagOf, type OptionSpec } from './options.js';

export type PlacementName = 'node-labels' | 'pv-node-affinity' | 'portworx';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** The typed, validated configuration every command receives. Nothing else reads process.env. */
export interface Config {
  readonly schedulerName: string;
  readonly provisioners: readonly string[];
  readonly overrideSchedulers: readonly string[];
  readonly placement: readonly PlacementName[];
  readonly scoreScale: 'linear' | 'raw';
  readonly kubeconfig?: string;
  readonly state: readonly string[];
  readonly liveReadTimeout: number;
  /** Milliseconds without contact with the API server before /readyz calls the cache stale. */
  readonly cacheStaleAfter: number;
  readonly bindAddress: string;
  readonly webhookPort: number;
  readonly extenderPort: number;
  readonly extenderTls: boolean;
  readonly metricsPort: number;
  readonly maxReviewBytes: number;
  readonly maxExtenderBytes: number;
  readonly shutdownGrace: number;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly tlsDns: readonly string[];
  readonly caOut?: string;
  readonly certMode: 'files' | 'self';
  readonly certSecret?: string;
  readonly certNamespace?: string;
  readonly webhookConfigName?: string;
  /** Milliseconds. */
  readonly certValidity: number;
  /** Milliseconds. */
  readonly certRenewBefore: number;
  readonly logLevel: LogLevel;
  readonly portworxEndpoint?: string;
  readonly portworxTokenFile?: string;
  readonly portworxCaFile?: string;
  readonly portworxClientCertFile?: string;
  readonly portworxClientKeyFile?: string;
  readonly portworxTimeout: number;
  readonly portworxCacheTtl: number;
}

/** A bad setting: the message names the flag, the environment variable and the file key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Where each raw value came from, to name it in an error. */
type Origin = { where: string; raw: unknown };

function names(spec: OptionSpec): string {
  return `--${flagOf(spec)} / ${envOf(spec)} / config key "${spec.key}"`;
}

function fail(spec: OptionSpec, origin: Origin, why: string): never {
  throw new ConfigError(
    `invalid ${origin.where} value ${JSON.stringify(origin.raw)} for ${names(spec)}: ${why}`,
  );
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  ki: 1024,
  m: 1e6,
  mi: 1024 ** 2,
  g: 1e9,
  gi: 1024 ** 3,
};

function toInt(spec: OptionSpec, origin: Origin, text: string, units: boolean): number {
  const m = /^\s*(\d+)\s*([a-z]*?)(b)?\s*$/i.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? '';
  const mult = units ? BYTE_UNITS[unit] : unit === '' ? 1 : undefined;
  if (!m || mult === undefined)
    fail(spec, origin, units ? 'want a whole number of bytes, e.g. 7340032 or 7Mi' : 'want a whole number');
  const n = Number(m[1]) * mult;
  if (spec.min !== undefined && n < spec.min) fail(spec, origin, `must be at least ${spec.min}`);
  if (spec.max !== undefined && n > spec.max) fail(spec, origin, `must be at most ${spec.max}`);
  return n;
}

function toList(value: unknown): string[] {
  // `--placement a,b`, `--placement a --placement b`, `A=a,b` and YAML lists all mean the same.
  const items = (Array.isArray(value) ? value.map(String) : [String(value)]).flatMap((s) => s.split(','));
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function toBool(spec: OptionSpec, origin: Origin): boolean {
  if (typeof origin.raw === 'boolean') return origin.raw;
  const t = String(origin.raw).trim().toLowerCase();
  if (['true', '1', 't'].includes(t)) return true;
  if (['false', '0', 'f'].includes(t)) return false;
  return fail(spec, origin, 'want true or false');
}

function toChoice(spec: OptionSpec, origin: Origin): string {
  const v = String(origin.raw);
  if (!spec.choices?.includes(v)) fail(spec, origin, `want one of ${spec.choices?.join(', ')}`);
  return v;
}

function toChoices(spec: OptionSpec, origin: Origin): string[] {
  const list = toList(origin.raw);
  const bad = spec.choices ? list.find((v) => !spec.choices?.includes(v)) : undefined;
  if (bad !== undefined) fail(spec, origin, `"${bad}" is not one of ${spec.choices?.join(', ')}`);
  return list;
}

function toText(spec: OptionSpec, origin: Origin): string {
  if (typeof origin.raw !== 'string' && typeof origin.raw !== 'number') fail(spec, origin, 'want a string');
  return String(origin.raw);
}

const DURATION_UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/**
 * A Go-style duration (`720h`, `1h30m`, `90s`, as Helm values and cert-manager write them), plus `d`
 * for days, in milliseconds; undefined when the text is not one. A bare number has no unit: refused.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!DURATION.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g))
    ms += Number(m[1]) * (DURATION_UNIT_MS[m[2] ?? ''] ?? 0);
  return Math.round(ms);
}

function showDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

function toDuration(spec: OptionSpec, origin: Origin): number {
  const ms = parseDuration(String(origin.raw));
  if (ms === undefined) return fail(spec, origin, 'want a duration such as 720h, 90m or 30d');
  if (spec.min !== undefined && ms < spec.min)
    fail(spec, origin, `must be at least ${showDuration(spec.min)}`);
  if (spec.max !== undefined && ms > spec.max)
    fail(spec, origin, `must be at most ${showDuration(spec.max)}`);
  return ms;
}

/** A duration's default is written as text (so --help shows `720h`) and read like any other value. */
function defaultOf(spec: OptionSpec): unknown {
  return spec.type === 'duration' && typeof spec.default === 'string'
    ? toDuration(spec, { where: 'default', raw: spec.default })
    : spec.default;
}

function coerce(spec: OptionSpec, origin: Origin): unknown {
  switch (spec.type) {
    case 'duration':
      return toDuration(spec, origin);
    case 'int':
    case 'bytes':
      return toInt(spec, origin, String(origin.raw), spec.type === 'bytes');
    case 'bool':
      return toBool(spec, origin);
    case 'enum':
      return toChoice(spec, origin);
    case 'list':
      return toChoices(spec, origin);
    case 'string':
      return toText(spec, origin);
  }
}

export interface ConfigSources {
  /** Flag values as parsed from the command line, by config key (lists as arrays). */
  readonly flags: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The parsed config file (already read), or undefined. */
  readonly file?: unknown;
  readonly filePath?: string;
}

/** Reads a config file's text (YAML or JSON) into an object; names the file on error. */
export function parseConfigFile(text: string, path: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid YAML/JSON: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(`config file ${path} must hold a mapping of settings`);
  return doc as Record<string, unknown>;
}

/**
 * Merges defaults < config file < environment < flags, coerces and validates each value once.
 * Unknown config-file keys are errors (a typo must not silently fall back to a default).
 */
export function buildConfig(src: ConfigSources): Config {
  const file = (src.file ?? {}) as Record<string, unknown>;
  const known = new Set(OPTIONS.map((o) => o.key as string));
  for (const key of Object.keys(file)) {
    if (!known.has(key)) throw new ConfigError(`config file ${src.filePath ?? ''}: unknown key "${key}"`);
  }
  const out: Record<string, unknown> = {};
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    const env = src.env[envOf(spec)];
    let origin: Origin | undefined;
    if (src.flags[spec.key] !== undefined) origin = { where: `--${flagOf(spec)}`, raw: src.flags[spec.key] };
    else if (env !== undefined && env !== '') origin = { where: envOf(spec), raw: env };
    else if (file[spec.key] !== undefined && file[spec.key] !== null)
      origin = { where: `config key "${spec.key}"`, raw: file[spec.key] };
    out[spec.key] = origin ? coerce(spec, origin) : defaultOf(spec);
  }
  const config = out as unknown as Config;
  validate(config);
  return config;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validate(c: Config): void {
  const spec = (key: string): OptionSpec =>
    (OPTIONS as readonly OptionSpec[]).find((o) => o.key === key) as OptionSpec;
  const bad = (key: string, raw: unknown, why: string): never =>
    fail(spec(key), { where: 'configured', raw }, why);
  if (!DNS1123_SUBDOMAIN.test(c.schedulerName) || c.schedulerName.length > 253) {
    bad(
      'schedulerName',
      c.schedulerName,
      'a scheduler name must be a DNS-1123 subdomain (Kubernetes validates pod.spec.schedulerName so)',
    );
  }
  if (c.provisioners.length === 0) bad('provisioners', c.provisioners, 'at least one provisioner is needed');
  if (c.placement.length === 0) bad('placement', c.placement, 'at least one placement source is needed');
  if (new Set(c.placement).size !== c.placement.length)
    bad('placement', c.placement, 'a source is listed twice');
  if (Boolean(c.tlsCertFile) !== Boolean(c.tlsKeyFile)) {
    bad('tlsCertFile', c.tlsCertFile ?? '', '--tls-cert-file and --tls-key-file go together');
  }
  if (c.bindAddress !== '' && isIP(c.bindAddress) === 0 && c.bindAddress !== 'localhost') {
    bad('bindAddress', c.bindAddress, 'want an IP address');
  }
  const ports = [c.webhookPort, c.extenderPort, c.metricsPort].filter((p) => p !== 0);
  if (new Set(ports).size !== ports.length)
    bad('webhookPort', ports, 'the webhook, extender and metrics ports must differ');
  validatePortworx(c, bad);
  validateSelfCerts(c, bad);
}

/** `self` mode's settings: what it needs, and lifetimes that cannot make it renew in a loop. */
function validateSelfCerts(c: Config, bad: (key: string, raw: unknown, why: string) => never): void {
  if (c.certValidity % 86_400_000 !== 0) bad('certValidity', c.certValidity, 'want whole days, e.g. 8760h');
  if (c.certRenewBefore >= c.certValidity)
    bad('certRenewBefore', c.certRenewBefore, 'must be shorter than --cert-validity (or every check renews)');
  for (const key of ['certSecret', 'webhookConfigName'] as const) {
    const name = c[key];
    if (name !== undefined && (!DNS1123_SUBDOMAIN.test(name) || name.length > 253))
      bad(key, name, 'an object name must be a DNS-1123 subdomain');
  }
  if (c.certMode !== 'self') return;
  if (!c.certSecret) bad('certSecret', '', '--cert-mode self needs the name of the Secret to keep');
  if (c.tlsCertFile) bad('certMode', c.certMode, '--cert-mode self makes its own pair: drop --tls-cert-file');
  if (c.tlsDns.length === 0)
    bad('tlsDns', c.tlsDns, "--cert-mode self needs the webhook Service's DNS names (name.namespace.svc)");
}

/** The portworx source's settings: an endpoint when it is listed, TLS files that fit the endpoint. */
function validatePortworx(c: Config, bad: (key: string, raw: unknown, why: string) => never): void {
  const endpoint = c.portworxEndpoint;
  if (c.placement.includes('portworx') && !endpoint)
    bad(
      'portworxEndpoint',
      '',
      '--placement lists portworx: the Portworx SDK REST gateway endpoint is needed',
    );
  if (Boolean(c.portworxClientCertFile) !== Boolean(c.portworxClientKeyFile))
    bad(
      'portworxClientCertFile',
      c.portworxClientCertFile ?? '',
      'goes together with --portworx-client-key-file',
    );
  if (!endpoint) return;
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    bad('portworxEndpoint', endpoint, 'want an http:// or https:// URL');
  if (url.protocol === 'http:' && (c.portworxCaFile || c.portworxClientCertFile))
    bad(
      'portworxEndpoint',
      endpoint,
      'TLS files (--portworx-ca-file, --portworx-client-cert-file) need an https:// endpoint',
    );
}

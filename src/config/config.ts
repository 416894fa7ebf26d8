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
  readonly logLevel: LogLevel;
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

function coerce(spec: OptionSpec, origin: Origin): unknown {
  const { raw } = origin;
  switch (spec.type) {
    case 'int':
    case 'bytes':
      return toInt(spec, origin, String(raw), spec.type === 'bytes');
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const t = String(raw).trim().toLowerCase();
      if (['true', '1', 't'].includes(t)) return true;
      if (['false', '0', 'f'].includes(t)) return false;
      return fail(spec, origin, 'want true or false');
    }
    case 'enum': {
      const v = String(raw);
      if (!spec.choices?.includes(v)) fail(spec, origin, `want one of ${spec.choices?.join(', ')}`);
      return v;
    }
    case 'list': {
      const list = toList(raw);
      const bad = spec.choices ? list.find((v) => !spec.choices?.includes(v)) : undefined;
      if (bad !== undefined) fail(spec, origin, `"${bad}" is not one of ${spec.choices?.join(', ')}`);
      return list;
    }
    case 'string':
      if (typeof raw !== 'string' && typeof raw !== 'number') fail(spec, origin, 'want a string');
      return String(raw);
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
    out[spec.key] = origin ? coerce(spec, origin) : spec.default;
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
}

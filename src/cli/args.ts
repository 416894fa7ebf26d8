import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OPTIONS, envOf, flagOf, type OptionSpec } from '../config/options.js';
import { ConfigError } from '../config/config.js';

/** A command's own flags (not settings): `-f FILE`, `--explain`, `--out DIR` ... */
export interface CommandFlag {
  readonly name: string;
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly help: string;
}

export interface ParsedArgs {
  /** Settings given as flags, by config key. */
  readonly settings: Record<string, unknown>;
  /** The command's own flags, by flag name. */
  readonly own: Record<string, string | boolean | string[] | undefined>;
  readonly configFile?: string;
  readonly help: boolean;
  readonly positionals: string[];
}

type Options = NonNullable<ParseArgsConfig['options']>;

function settingOptions(): Options {
  const options: Options = {};
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    options[flagOf(spec)] =
      spec.type === 'bool' ? { type: 'boolean' } : { type: 'string', multiple: spec.type === 'list' };
  }
  return options;
}

/** Parses argv (after the command name) strictly: an unknown flag is an error that names it. */
export function parseCommandArgs(argv: readonly string[], own: readonly CommandFlag[]): ParsedArgs {
  const options: Options = {
    ...settingOptions(),
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const f of own) {
    options[f.name] = { type: f.type, multiple: f.multiple ?? false, ...(f.short ? { short: f.short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const settings: Record<string, unknown> = {};
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    const v = values[flagOf(spec)];
    if (v !== undefined) settings[spec.key] = v;
  }
  const ownValues: ParsedArgs['own'] = {};
  for (const f of own) ownValues[f.name] = values[f.name];
  return {
    settings,
    own: ownValues,
    configFile: typeof values.config === 'string' ? values.config : undefined,
    help: values.help === true,
    positionals: parsed.positionals,
  };
}

function describeDefault(spec: OptionSpec): string {
  const value: unknown = spec.default;
  if (value === undefined) return '';
  const d = Array.isArray(value)
    ? value.join(',')
    : typeof value === 'object'
      ? JSON.stringify(value)
      : `${value as string | number | boolean}`;
  return d === '' ? '' : ` (default ${d})`;
}

/** `--help`: every setting's flag, environment variable and config-file key, then the command's own flags. */
export function helpText(
  usage: string,
  summary: string,
  own: readonly CommandFlag[],
  scopes: readonly string[],
): string {
  const lines = [`Usage: ${usage}`, '', summary, ''];
  if (own.length > 0) {
    lines.push('Command flags:');
    for (const f of own) {
      const flag = `${f.short ? `-${f.short}, ` : ''}--${f.name}${f.type === 'string' ? ' VALUE' : ''}`;
      lines.push(`  ${flag.padEnd(30)} ${f.help}`);
    }
    lines.push('');
  }
  lines.push('Settings (flag | environment variable | config-file key):');
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    if (!scopes.includes(spec.scope)) continue;
    const value = spec.type === 'bool' ? '' : spec.type === 'list' ? ' LIST' : ' VALUE';
    lines.push(`  --${flagOf(spec)}${value} | ${envOf(spec)} | ${spec.key}`);
    const choices = spec.choices ? ` [${spec.choices.join(', ')}]` : '';
    lines.push(`      ${spec.help}${choices}${describeDefault(spec)}`);
  }
  lines.push(
    '  --config FILE',
    '      YAML or JSON file of settings by config-file key; flags beat environment beats file',
  );
  return lines.join('\n');
}

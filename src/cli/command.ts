import { readFileSync } from 'node:fs';
import { buildConfig, ConfigError, parseConfigFile, type Config } from '../config/config.js';
import { helpText, type CommandFlag, type ParsedArgs } from './args.js';

/** What a command gets: its validated configuration, its own flags and where to write. */
export interface CommandContext {
  readonly config: Config;
  readonly args: ParsedArgs;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly flags: readonly CommandFlag[];
  /** Which settings --help lists. */
  readonly scopes: readonly ('all' | 'serve')[];
  /** Resolves to the exit code. Long-running commands resolve when they stop. */
  run(ctx: CommandContext): Promise<number>;
}

/** Flags + environment + config file -> one validated Config (the only place process.env is read). */
export function loadConfig(args: ParsedArgs, env: Readonly<Record<string, string | undefined>>): Config {
  const path = args.configFile ?? env.KUBE_CONVERGE_CONFIG;
  let file: unknown;
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `cannot read config file ${path} (--config / KUBE_CONVERGE_CONFIG): ${(e as Error).message}`,
      );
    }
    file = parseConfigFile(text, path);
  }
  return buildConfig({ flags: args.settings, env, file, filePath: path });
}

export function commandHelp(cmd: Command): string {
  return helpText(cmd.usage, cmd.summary, cmd.flags, cmd.scopes);
}

/** A command's own string flag, or undefined. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.own[name];
  return typeof v === 'string' ? v : undefined;
}

export function listFlag(args: ParsedArgs, name: string): string[] {
  const v = args.own[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

import { ConfigError } from '../config/config.js';
import { parseCommandArgs } from './args.js';
import { commandHelp, loadConfig, type Command } from './command.js';
import { certsCommand } from './commands/certs.js';
import { mutateCommand } from './commands/mutate.js';
import { scoreCommand } from './commands/score.js';
import { serveCommand } from './commands/serve.js';

const COMMANDS: readonly Command[] = [serveCommand, mutateCommand, scoreCommand, certsCommand];

function usage(): string {
  const lines = ['Usage: kube-converge <command> [flags]', '', 'Commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(8)} ${c.summary.split('\n')[0] ?? ''}`);
  lines.push(
    '',
    'Run `kube-converge <command> --help` for its flags, environment variables and config-file keys.',
  );
  return lines.join('\n');
}

/** The CLI as a function (tests call it): argv without node and script, returns the exit code. */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`kube-converge: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    const args = parseCommandArgs(rest, cmd.flags);
    if (args.help) {
      io.out(commandHelp(cmd) + '\n');
      return 0;
    }
    const config = loadConfig(args, env);
    return await cmd.run({ config, args, out: io.out, err: io.err });
  } catch (e) {
    if (e instanceof ConfigError || (e instanceof Error && e.name.endsWith('InputError'))) {
      io.err(`kube-converge ${name}: ${e.message}\n`);
      return 2;
    }
    io.err(`kube-converge ${name}: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

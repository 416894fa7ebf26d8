/** `--name value` pairs of a bench server's command line; every flag is required. */
export function flags(argv: readonly string[], names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '');
    const value = argv[i + 1];
    if (key && value !== undefined) out[key] = value;
  }
  const missing = names.filter((n) => out[n] === undefined);
  if (missing.length > 0) throw new Error(`missing flags: ${missing.map((n) => `--${n}`).join(', ')}`);
  return out;
}

/**
 * Jest glue: one environment per test file (beforeAll/afterAll), and `scenario`, an `it` that prints
 * the end of every process's log when it fails, so a red CI run says what the cluster did.
 */
import { Environment, type EnvironmentOptions } from './environment.js';

/** Starts an environment before the file's tests and stops it after them; call the getter in tests. */
export function useEnvironment(options: EnvironmentOptions): () => Environment {
  let env: Environment | undefined;
  beforeAll(async () => {
    env = await Environment.start(options);
  }, 180_000);
  afterAll(async () => {
    await env?.stop();
  }, 60_000);
  return () => {
    if (!env) throw new Error('the e2e environment did not start (see the beforeAll error above)');
    return env;
  };
}

/** An `it` whose failure comes with the tail of each process's log. */
export function scenario(
  name: string,
  env: () => Environment,
  fn: () => Promise<void>,
  timeoutMs = 120_000,
): void {
  it(
    name,
    async () => {
      try {
        await fn();
      } catch (err) {
        let tails = '';
        try {
          tails = env().logTails();
        } catch {
          // no environment: the beforeAll error says why
        }
        if (tails) process.stderr.write(`\n===== "${name}" failed; process logs:\n${tails}\n`);
        throw err;
      }
    },
    timeoutMs,
  );
}

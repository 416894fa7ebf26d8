/**
 * Jest glue, as test/e2e/harness/jest.ts: one k3s environment per file, and `scenario`, an `it` that
 * prints the end of kube-converge's and the scheduler's logs when it fails. A failed start (no
 * Docker engine above all) fails every scenario of the file with its reason: nothing is skipped.
 */
import { K3sEnvironment } from './environment.js';

export function useK3s(): () => K3sEnvironment {
  let env: K3sEnvironment | undefined;
  let startError: Error | undefined;
  beforeAll(async () => {
    try {
      env = await K3sEnvironment.start();
    } catch (err) {
      startError = err as Error;
      throw err;
    }
  }, 900_000); // cold: the k3s image, the sshd and Ryuk images, then kube-scheduler's inside k3s
  afterAll(async () => {
    await env?.stop();
  }, 120_000);
  return () => {
    if (!env) throw new Error(`the k3s environment did not start: ${startError?.message ?? 'see beforeAll'}`);
    return env;
  };
}

export function scenario(
  name: string,
  env: () => K3sEnvironment,
  fn: () => Promise<void>,
  timeoutMs = 180_000,
): void {
  it(
    name,
    async () => {
      const e = env();
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`\n===== "${name}" failed; logs:\n${await e.logTails()}\n`);
        throw err;
      }
    },
    timeoutMs,
  );
}

/**
 * jest globalTeardown, after the last e2e file. Each file stops its own processes in afterAll; this
 * catches what a crashed or timed-out afterAll did not (the runs this jest process owns). The sweep
 * itself is set up by globalSetup (lifecycle.ts): jest loads this file without its moduleNameMapper.
 */
export default function globalTeardown(): void {
  const hook = (globalThis as Record<string, unknown>).__kubeConvergeE2eTeardown;
  if (typeof hook === 'function') (hook as () => void)();
}

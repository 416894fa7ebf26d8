// Jest runs TypeScript as native ESM (`--experimental-vm-modules`): @kubernetes/client-node 1.x is
// ESM-only. ts-jest transpiles per file (isolatedModules); `npm run typecheck` does the type checking.
const tsJest = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true, tsconfig: 'tsconfig.json' }],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: tsJest,
  // Sources import siblings as `./x.js` (NodeNext); map them back to the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'http', testMatch: ['<rootDir>/test/http/**/*.test.ts'] },
    // Bad input, slow clients, faults under load, TLS exposure: real servers and processes on loopback.
    {
      ...common,
      displayName: 'reliability',
      testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
      testTimeout: 180000,
    },
    // For users with Docker only: K3s in a container (testcontainers). Not part of `npm test` and not run
    // in CI (no Docker engine there); without one it fails with DockerMissingError. `npm run test:k3s`.
    { ...common, displayName: 'k3s', testMatch: ['<rootDir>/test/k3s/**/*.test.ts'], testTimeout: 180000 },
    // Renders and lints the Helm chart with the helm binary of the control-plane cache.
    { ...common, displayName: 'chart', testMatch: ['<rootDir>/test/chart/**/*.test.ts'], testTimeout: 60000 },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      // A real control plane starts once per file; kube-scheduler needs a few seconds per scenario.
      testTimeout: 120000,
      // Fails without the control-plane binaries, builds dist/, and stops leftover processes
      // (test/e2e/harness/processes.ts: every child is recorded under test/e2e/.run/<id>/pids).
      globalSetup: '<rootDir>/test/e2e/harness/lifecycle.ts',
      globalTeardown: '<rootDir>/test/e2e/harness/global-teardown.ts',
    },
  ],
};

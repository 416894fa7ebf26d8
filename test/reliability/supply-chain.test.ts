/**
 * The supply chain, as far as it can be checked here: a lockfile in step with package.json, every
 * package in it pinned to an exact version with an integrity hash. The advisory check
 * (`npm run audit:prod`, i.e. `npm audit --omit=dev --audit-level=high`) needs the public registry's
 * audit endpoint, which the registries reachable here refuse (405), so it is a separate command
 * rather than a test that would have to be skipped here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordFigures } from './support/figures.js';

interface LockPackage {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const root = process.cwd();
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockPackage>;
};

describe('supply chain', () => {
  it('package-lock.json is a v2+ lockfile in step with package.json', () => {
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    const top = lock.packages[''] ?? {};
    expect(top.dependencies).toEqual(manifest.dependencies);
    expect(top.devDependencies).toEqual(manifest.devDependencies);
  });

  // The lockfile records no `resolved` URLs (the registry is the client's setting); where one is
  // recorded it must be https.
  it('every locked package is an exact version with a sha512 integrity hash', () => {
    const entries = Object.entries(lock.packages).filter(([path, p]) => path !== '' && !p.link);
    const loose = entries.filter(
      ([, p]) =>
        !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(p.version ?? '') ||
        (p.resolved !== undefined && !/^https:\/\//.test(p.resolved)) ||
        !/^sha512-/.test(p.integrity ?? ''),
    );
    const production = entries.filter(([, p]) => !p.dev);
    recordFigures('supply-chain', {
      lockedPackages: entries.length,
      productionPackages: production.length,
      production: production
        .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version}`)
        .sort(),
    });
    expect(loose.map(([path]) => path)).toEqual([]);
    for (const name of Object.keys(manifest.dependencies))
      expect(lock.packages[`node_modules/${name}`]?.dev).toBeFalsy();
  });
});

import type { Config } from '../config/config.js';
import { BUILTIN_PLACEMENT_SOURCES } from './index.js';
import {
  PORTWORX_SOURCE,
  portworxSourceFromConfig,
  type PortworxDeps,
  type PortworxSettings,
} from './portworx/index.js';
import type { PlacementSource } from './types.js';

/** What a source may report to: the `portworx` source counts and logs its fallbacks. */
export type PlacementDeps = PortworxDeps;

/** The configured `placement` list as sources, in order (contract §6). */
export function placementSources(
  config: Pick<Config, 'placement'> & Partial<PortworxSettings>,
  deps: PlacementDeps = {},
): PlacementSource[] {
  return config.placement.map((name) => {
    if (name === PORTWORX_SOURCE) return portworxSourceFromConfig(config, deps);
    const make = BUILTIN_PLACEMENT_SOURCES[name];
    if (!make) throw new Error(`placement source ${name} is not available in this build`);
    return make();
  });
}

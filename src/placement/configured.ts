import type { Config } from '../config/config.js';
import { BUILTIN_PLACEMENT_SOURCES } from './index.js';
import type { PlacementSource } from './types.js';

/** The configured `placement` list as sources, in order (contract §6). */
export function placementSources(config: Pick<Config, 'placement'>): PlacementSource[] {
  return config.placement.map((name) => {
    const make = BUILTIN_PLACEMENT_SOURCES[name];
    if (!make) throw new Error(`placement source ${name} is not available in this build`);
    return make();
  });
}

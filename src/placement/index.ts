import { nodeLabelsSource, NODE_LABELS_SOURCE } from './node-labels.js';
import { pvNodeAffinitySource, PV_NODE_AFFINITY_SOURCE } from './pv-node-affinity.js';
import type { PlacementSource } from './types.js';

export * from './types.js';
export * from './cluster-nodes.js';
export * from './node-selector.js';
export * from './node-labels.js';
export * from './pv-node-affinity.js';
export * from './combine.js';

/**
 * The sources that need nothing but the cluster cache, by their configuration name (contract §6).
 * `portworx` needs an endpoint and is built by its own module.
 */
export const BUILTIN_PLACEMENT_SOURCES: Readonly<Record<string, () => PlacementSource>> = {
  [NODE_LABELS_SOURCE]: nodeLabelsSource,
  [PV_NODE_AFFINITY_SOURCE]: pvNodeAffinitySource,
};

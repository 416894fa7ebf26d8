import { layered, readerView } from '../cluster/layered.js';
import { slimObject } from '../cluster/slim.js';
import { StateFileView } from '../cluster/state/index.js';
import { MemoryStore } from '../cluster/store.js';
import type { ClusterView } from '../cluster/view.js';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/config.js';
import { readManifests, readStdin } from './manifests.js';
import type { ParsedArgs } from './args.js';
import { stringFlag } from './command.js';

export interface OfflineInput {
  /** Every object of the -f file, in order. */
  readonly objects: readonly unknown[];
  /** `--state` plus the cluster objects of the -f file itself (they win). */
  readonly view: ClusterView;
}

/**
 * What the offline commands (`mutate`, `score`) read: the -f file, and the cluster as `--state`
 * describes it (read once, not watched). Cluster objects in the -f file (PVCs, StorageClasses ...)
 * are part of the picture, so `mutate -f bundle.yaml` works on a bundle with its own claims.
 */
export async function loadOffline(
  config: Config,
  args: ParsedArgs,
  problems: (m: string) => void,
): Promise<OfflineInput> {
  const file = stringFlag(args, 'file');
  if (!file) throw new ConfigError('-f FILE is required (a manifest file, or - for standard input)');
  const objects = await readManifests(file, readStdin);
  const top = new MemoryStore();
  for (const o of objects) {
    const slim = slimObject(o);
    if (slim) top.upsert(slim);
  }
  const state = new StateFileView({
    paths: config.state,
    watch: false,
    onProblem: (p) =>
      problems(`warning: ${p.file}${p.index >= 0 ? ` (document ${p.index + 1})` : ''}: ${p.message}\n`),
  });
  if (config.state.length > 0) {
    try {
      await state.start();
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
  }
  const reader = layered(top, state);
  const view = readerView(reader, () => {
    const a = top.sizes();
    const b = state.sizes();
    return {
      nodes: a.nodes + b.nodes,
      namespaces: a.namespaces + b.namespaces,
      pvcs: a.pvcs + b.pvcs,
      pvs: a.pvs + b.pvs,
      storageClasses: a.storageClasses + b.storageClasses,
      csiNodes: a.csiNodes + b.csiNodes,
    };
  });
  return { objects, view };
}

import jsonpatch from 'jsonpatch';
import { stringify } from 'yaml';
import { decide, type Decision, type MutationConfig } from '../admission/decide.js';
import type { Operation } from '../admission/review.js';
import type { ClusterReader } from '../cluster/view.js';

/** One manifest after offline admission. */
export interface MutatedManifest {
  readonly object: unknown;
  readonly decision: Decision;
}

function groupOf(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * `kube-converge mutate`: admits each manifest as the webhook would on CREATE and applies the patch.
 * Pure apart from its inputs; the command around it reads files and prints.
 */
export function mutateManifests(
  objects: readonly unknown[],
  reader: ClusterReader,
  config: MutationConfig,
  operation: Operation = 'CREATE',
): MutatedManifest[] {
  return objects.map((object) => {
    const o = (object ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { namespace?: unknown } };
    const namespace = typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : 'default';
    const decision = decide(
      {
        kind: { group: groupOf(o.apiVersion), version: '', kind: typeof o.kind === 'string' ? o.kind : '' },
        operation,
        namespace,
        object,
      },
      reader,
      config,
    );
    const patchedObject =
      decision.patch.length > 0 ? jsonpatch.apply_patch(object, [...decision.patch]) : object;
    return { object: patchedObject, decision };
  });
}

/** The explanation of one decision as YAML comment lines (the output stays valid YAML for kubectl). */
export function explain(d: Decision): string[] {
  const lines = [`# kube-converge: ${d.subject}: ${d.outcome} - ${d.reason}`];
  for (const v of d.volumes) {
    const what = v.claim ? `PVC ${v.claim.namespace}/${v.claim.name}` : v.source;
    const verdict = v.unknown ? 'unknown' : v.managed ? 'managed' : 'not managed';
    lines.push(
      `#   volume ${v.volume || '(unnamed)'}: ${what} -> ${v.via}${v.provisioner ? ` = ${v.provisioner}` : ''} (${verdict})`,
    );
  }
  for (const w of d.warnings) lines.push(`#   warning: ${w}`);
  return lines;
}

/** Renders the admitted manifests as a multi-document YAML stream. */
export function renderManifests(items: readonly MutatedManifest[], withExplanation: boolean): string {
  return items
    .map((item) => {
      const head = withExplanation ? explain(item.decision).join('\n') + '\n' : '';
      return `---\n${head}${stringify(item.object, { lineWidth: 0 })}`;
    })
    .join('');
}

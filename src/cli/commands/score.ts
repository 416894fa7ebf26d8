import { evaluatePod } from '../../extender/evaluate.js';
import { placementSources } from '../../placement/configured.js';
import { ConfigError } from '../../config/config.js';
import type { Command } from '../command.js';
import { loadOffline } from '../offline.js';
import { nodeReports, renderScoreReport } from '../score.js';

/** `kube-converge score -f POD [--state PATH]`: every node's filter verdict and score, and why. */
export const scoreCommand: Command = {
  name: 'score',
  usage: 'kube-converge score -f POD [--state PATH]... [--output text|json]',
  summary:
    "prints every node's filter result, raw and extender score, and the reason.\n" +
    'The answer to "why did my pod land there?". Candidates are all Nodes of --state (and of the file).',
  flags: [
    {
      name: 'file',
      short: 'f',
      type: 'string',
      help: 'a file holding the Pod (the first Pod in it is scored); - for stdin',
    },
    { name: 'output', short: 'o', type: 'string', help: 'text (default) or json' },
  ],
  scopes: ['all'],
  async run({ config, args, out, err }) {
    const format = typeof args.own.output === 'string' ? args.own.output : 'text';
    if (format !== 'text' && format !== 'json')
      throw new ConfigError(`--output ${format}: want text or json`);
    const { objects, view } = await loadOffline(config, args, err);
    const pod = objects.find((o) => (o as { kind?: unknown }).kind === 'Pod');
    if (!pod) throw new ConfigError('no Pod in the -f file (score takes a Pod manifest)');
    const candidates = [...view.nodes()].map((n) => n.name);
    const e = await evaluatePod(pod, candidates, {
      view,
      provisioners: new Set(config.provisioners),
      sources: placementSources(config),
      scale: config.scoreScale,
      explain: true,
    });
    if (format === 'json') {
      out(
        JSON.stringify(
          { pod: `${e.namespace}/${e.name}`, error: e.scores.filter.error ?? null, nodes: nodeReports(e) },
          null,
          2,
        ) + '\n',
      );
    } else {
      out(renderScoreReport(e));
    }
    return 0;
  },
};

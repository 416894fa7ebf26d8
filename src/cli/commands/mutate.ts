import { mutationConfig } from '../../admission/decide.js';
import type { Command } from '../command.js';
import { mutateManifests, renderManifests } from '../mutate.js';
import { loadOffline } from '../offline.js';

/** `kube-converge mutate -f FILE [--state PATH] [--explain]`: offline admission, manifests out. */
export const mutateCommand: Command = {
  name: 'mutate',
  usage: 'kube-converge mutate -f FILE [--state PATH]... [--explain]',
  summary:
    'prints the manifests in FILE as the webhook would admit them (on CREATE).\n' +
    'Cluster objects come from --state and from FILE itself; --explain adds a YAML comment per object\n' +
    'saying why.',
  flags: [
    {
      name: 'file',
      short: 'f',
      type: 'string',
      help: 'manifests to admit (YAML or JSON, multi-document, Lists); - for stdin',
    },
    { name: 'explain', type: 'boolean', help: 'say why, per object and per volume (as YAML comments)' },
  ],
  scopes: ['all'],
  async run({ config, args, out, err }) {
    const { objects, view } = await loadOffline(config, args, err);
    const admitted = mutateManifests(objects, view, mutationConfig(config));
    out(renderManifests(admitted, args.own.explain === true));
    return 0;
  },
};

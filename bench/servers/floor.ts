/** The JSON floor's answer: every node passes, every node scores 0. */
interface Args {
  readonly NodeNames?: readonly string[] | null;
  readonly Nodes?: { readonly items?: readonly { readonly metadata?: { readonly name?: string } }[] } | null;
}

export function floorAnswer(verb: 'filter' | 'prioritize', args: Args): unknown {
  const names = args.NodeNames ?? (args.Nodes?.items ?? []).map((n) => n.metadata?.name ?? '');
  if (verb === 'prioritize') return names.map((Host) => ({ Host, Score: 0 }));
  return args.NodeNames
    ? { Nodes: null, NodeNames: names, FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: '' }
    : {
        Nodes: { items: args.Nodes?.items ?? [] },
        NodeNames: null,
        FailedNodes: {},
        FailedAndUnresolvableNodes: {},
        Error: '',
      };
}

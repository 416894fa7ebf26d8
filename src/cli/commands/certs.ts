import { writeCertBundle } from '../../tls/writer.js';
import { listFlag, stringFlag, type Command } from '../command.js';
import { ConfigError } from '../../config/config.js';

/** `kube-converge certs --out DIR --dns NAME --ip IP`: a CA and a serving certificate (node-forge). */
export const certsCommand: Command = {
  name: 'certs',
  usage: 'kube-converge certs --out DIR [--dns NAME]... [--ip IP]... [--days N] [--force]',
  summary: 'writes a CA (ca.crt, ca.key) and a serving certificate with SANs (tls.crt, tls.key) into DIR',
  scopes: [],
  flags: [
    { name: 'out', type: 'string', help: 'directory to write into (created if missing)' },
    {
      name: 'dns',
      type: 'string',
      multiple: true,
      help: 'DNS name for the serving certificate (repeatable)',
    },
    {
      name: 'ip',
      type: 'string',
      multiple: true,
      help: 'IP address for the serving certificate (repeatable)',
    },
    { name: 'days', type: 'string', help: 'validity in days (default 365)' },
    {
      name: 'force',
      type: 'boolean',
      help: 'replace files already in DIR (breaks caBundles holding the old CA)',
    },
  ],
  async run({ args, out }) {
    const dir = stringFlag(args, 'out');
    if (!dir) throw new ConfigError('--out DIR is required');
    const daysText = stringFlag(args, 'days') ?? '365';
    const days = Number(daysText);
    if (!Number.isInteger(days) || days <= 0)
      throw new ConfigError(`--days ${JSON.stringify(daysText)}: want a whole number of days`);
    const bundle = await writeCertBundle(dir, {
      dns: listFlag(args, 'dns'),
      ip: listFlag(args, 'ip'),
      validDays: days,
      overwrite: args.own.force === true,
    });
    for (const f of Object.values(bundle.files)) out(`wrote ${f.path} (mode ${f.mode.toString(8)})\n`);
    const s = bundle.serving;
    out(
      `serving certificate: DNS ${s.dnsNames.join(', ') || '-'}; IP ${s.ipAddresses.join(', ') || '-'}; valid until ${s.notAfter.toISOString()}\n`,
    );
    return 0;
  },
};

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** TCP ports a process listens on (Linux /proc: its socket inodes matched against the LISTEN table). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1] as string);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      // local_address is cols[1] ("0100007F:1F90"), st is cols[3] (0A = LISTEN), inode is cols[9].
      if (cols[3] === '0A' && inodes.has(cols[9] ?? ''))
        ports.add(parseInt(cols[1]?.split(':')[1] ?? '', 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

export interface Handshake {
  /** The handshake completed (a cipher was agreed). */
  ok: boolean;
  protocol?: string;
  cipher?: string;
  /** The alert the server sent, when it refused ("handshake failure", "protocol version"). */
  serverAlert?: string;
  /** The client could not even offer what was asked (this openssl build lacks it). */
  clientCannotOffer: boolean;
  output: string;
}

/** `openssl s_client` against 127.0.0.1:port with `args`; what was agreed, or who refused. */
export function sClient(port: number, args: readonly string[]): Handshake {
  const r = spawnSync(
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args],
    { input: '', encoding: 'utf8', timeout: 10_000 },
  );
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const agreed = /New, (TLSv[\d.]+), Cipher is (\S+)/.exec(output);
  const alert = /alert (handshake failure|protocol version|insufficient security)/.exec(output);
  return {
    ok: agreed !== null && agreed[2] !== '(NONE)',
    protocol: agreed?.[1],
    cipher: agreed?.[2],
    serverAlert: alert?.[1],
    clientCannotOffer: /no cipher match|no protocols available|no ciphers available/.test(output),
    output,
  };
}

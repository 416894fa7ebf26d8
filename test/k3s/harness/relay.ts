/**
 * A plain TCP relay from 127.0.0.1 to k3s's mapped API port. The WatchGate (test/e2e/harness) speaks
 * to its upstream at 127.0.0.1 only, and k3s's serving certificate names 127.0.0.1; with a Docker
 * engine elsewhere (DOCKER_HOST=tcp://…) the API port is on that host, and this carries the bytes
 * there unchanged (TLS stays end to end).
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface Relay {
  readonly port: number;
  close(): Promise<void>;
}

export async function startRelay(host: string, port: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

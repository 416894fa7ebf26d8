import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** A socket's end: how long after `since` it closed, and what the server wrote before closing. */
export interface Ending {
  ms: number;
  received: string;
}

/** An open connection to `url`'s port: TLS (handshake done) for https, else plain TCP. */
export function openConnection(url: URL, ca?: string): Promise<Socket> {
  const port = Number(url.port);
  return new Promise((resolve, reject) => {
    const socket =
      url.protocol === 'https:'
        ? tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => resolve(socket))
        : netConnect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A plain TCP connection, whatever the port speaks (a TLS port then waits for a ClientHello). */
export function openTcp(url: URL): Promise<Socket> {
  return openConnection(new URL(`http://127.0.0.1:${url.port}`));
}

/** Resolves when the server closes `socket`, with what it sent meanwhile. */
export function ending(socket: Socket, since = Date.now()): Promise<Ending> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  return new Promise((resolve) =>
    socket.once('close', () =>
      resolve({ ms: Date.now() - since, received: Buffer.concat(chunks).toString('latin1') }),
    ),
  );
}

/** Writes `text` one byte every `everyMs` until the socket closes; resolves with the bytes written. */
export function trickle(socket: Socket, text: string, everyMs: number): Promise<number> {
  return new Promise((resolve) => {
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || i >= text.length) {
        clearInterval(timer);
        resolve(i);
        return;
      }
      socket.write(text[i++] as string);
    }, everyMs);
    socket.once('close', () => {
      clearInterval(timer);
      resolve(i);
    });
  });
}

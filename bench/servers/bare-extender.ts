/**
 * The extender's baseline over HTTP: a bare node:http server that reads the body, JSON.parse-s it and
 * answers JSON.stringify of a pass-everything answer of the same shape and size as ours (filter: the
 * same Nodes or NodeNames back; prioritize: one score per node). The JSON floor any extender pays.
 */
import { createServer } from 'node:http';
import { KEEP_ALIVE_TIMEOUT_MS } from '../../src/tls/server.js';
import { flags } from './args.js';
import { floorAnswer } from './floor.js';

const f = flags(process.argv.slice(2), ['port']);

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200).end('ok'); // readiness
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const verb = req.url?.endsWith('/prioritize') ? 'prioritize' : 'filter';
    let text: string;
    try {
      text = JSON.stringify(floorAnswer(verb, JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(text);
  });
});
// kube-scheduler keeps idle extender connections 90 s; serve.ts sets the same on the extender.
server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
server.listen(Number(f['port']), '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});

/**
 * The HTTP server under the strict provider fakes (fake-twilio.ts, fake-slack.ts): a real server
 * on a free loopback port that reads each body (refusing one over `maxBytes` by dropping the
 * connection, as a provider's edge does), hands it to `handle`, and on close drops every open
 * connection so a hanging request cannot hold a test up.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startFakeHttp(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
  maxBytes: number,
): Promise<FakeHttpServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) req.socket.destroy();
      else chunks.push(c);
    });
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';

export interface BareServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * The floor the API is compared with: hono on the same node server, answering the same path
 * with a constant list of 10 identities, with no authentication, database or logging.
 */
export async function startBareServer(body: unknown): Promise<BareServer> {
  const app = new Hono();
  app.get('/v1/remote-identities', (c) => c.json(body));
  const server = await new Promise<ServerType>((resolve) => {
    const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(listening),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/remote-identities`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

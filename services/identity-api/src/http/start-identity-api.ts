import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApi, type IdentityApiDeps } from './create-api.ts';

export interface StartIdentityApiOptions extends IdentityApiDeps {
  /** TCP port; 0 picks a free one, which `port` in the result then names. */
  port: number;
  /** Interface to listen on; loopback by default, so that only `main.ts` opens it wider. */
  hostname?: string;
}

export interface RunningIdentityApi {
  /** Base URL to reach the API, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /** Stops accepting connections and resolves once the requests in flight have been answered. */
  stop(): Promise<void>;
}

export async function startIdentityApi({
  port,
  hostname = '127.0.0.1',
  ...deps
}: StartIdentityApiOptions): Promise<RunningIdentityApi> {
  const app = createApi(deps);
  const server = await new Promise<ServerType>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, port, hostname }, () => resolve(listening));
    listening.once('error', reject);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${urlHost(hostname)}:${bound}`,
    port: bound,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err?: Error) => (err ? reject(err) : resolve()));
      }),
  };
}

// A wildcard address accepts connections but cannot be connected to; name loopback instead.
function urlHost(hostname: string): string {
  if (hostname === '0.0.0.0') return '127.0.0.1';
  if (hostname === '::') return '[::1]';
  return hostname.includes(':') ? `[${hostname}]` : hostname;
}

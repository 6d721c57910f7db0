import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectNats, openJetStream } from '@ri/event-store';
import { topology } from '@ri/events';
import {
  createHs256Authenticator,
  openLoginKeyStore,
  signDevelopmentToken,
  startIdentityApi,
} from '@ri/identity-api';
import { createLogger } from '@ri/logging';
import { openDatabase } from '@ri/read-model';
import { createTestDatabase } from '@ri/read-model/testing';
import { generateMasterKey, openIdentityKeyring, secretBoxFromConfig } from '@ri/secrets';
import { startBareServer } from './bare-server.ts';
import { benchUserIds, fillReadModel } from './fill-read-model.ts';
import { runLoad, type LoadResult } from './load.ts';

/**
 * List benchmark: `GET /v1/remote-identities` of the API, on a read model of 1,000 users with
 * 10 identities each, against a bare hono route answering a constant list of 10 identities.
 * Each request carries the token of a random user. The API logs as in production, one JSON
 * line per request, into /dev/null.
 * Usage: pnpm bench:api [--duration 10] [--connections 50] [--users 1000]
 */
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    users: { type: 'string', default: '1000' },
  },
});
const durationSeconds = Number(values.duration);
const connections = Number(values.connections);
const users = Number(values.users);
const IDENTITIES_PER_USER = 10;
const WARM_UP_SECONDS = 2;

const database = await createTestDatabase();
const nc = await connectNats({
  url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  name: 'bench',
});
const natsTopology = topology(`bench-api-${randomBytes(4).toString('hex')}`);
const { js, jsm, log } = await openJetStream(nc, { topology: natsTopology });
try {
  // 1. The read model, and one token per user.
  await fillReadModel(database.db, { users, identitiesPerUser: IDENTITIES_PER_USER });
  const jwtSecret = randomBytes(32).toString('hex');
  const userIds = benchUserIds(users);
  const tokens = await Promise.all(userIds.map((id) => signDevelopmentToken(jwtSecret, id)));

  // 2. Both servers; the bare one answers a page as the API serves it. The API gets a pool
  // as wide as the load, as a deployment would give it.
  const apiDb = openDatabase({ url: database.url, maxConnections: connections });
  const api = await startIdentityApi({
    port: 0,
    log,
    db: apiDb,
    secrets: await openIdentityKeyring(js, {
      master: secretBoxFromConfig(generateMasterKey('bench')),
      topology: natsTopology,
    }),
    logins: await openLoginKeyStore(js, { topology: natsTopology }),
    auth: createHs256Authenticator({ secret: jwtSecret }),
    logger: createLogger({ name: 'identity-api', destination: createWriteStream('/dev/null') }),
  });
  const sample = await fetch(`${api.url}/v1/remote-identities`, {
    headers: { Authorization: `Bearer ${tokens[0]}` },
  });
  if (sample.status !== 200) throw new Error(`the API answered ${sample.status}`);
  const page = await sample.json();
  const bare = await startBareServer(page);

  const tokensFile = join(tmpdir(), `bench-api-tokens-${process.pid}.json`);
  writeFileSync(tokensFile, JSON.stringify(tokens));
  const load = (url: string, seconds: number, withTokens = false) =>
    runLoad({ url, connections, durationSeconds: seconds, ...(withTokens ? { tokensFile } : {}) });

  // 3. Warm both up (JIT, connection pool), then measure one after the other.
  await load(bare.url, WARM_UP_SECONDS);
  await load(`${api.url}/v1/remote-identities`, WARM_UP_SECONDS, true);
  const loadBefore = loadavg()[0] ?? 0;
  const bareResult = await load(bare.url, durationSeconds);
  const apiResult = await load(`${api.url}/v1/remote-identities`, durationSeconds, true);

  printReport({ bareResult, apiResult, loadBefore });
  await api.stop();
  await bare.stop();
  process.exitCode = apiResult.non2xx + apiResult.errors > 0 ? 1 : 0;
} finally {
  rmSync(join(tmpdir(), `bench-api-tokens-${process.pid}.json`), { force: true });
  const loginBucket = `KV_${natsTopology.bucket('identity-logins')}`;
  const keyBucket = `KV_${natsTopology.bucket('identity-keys')}`;
  const streams = [natsTopology.identityStream, natsTopology.mailStream, loginBucket, keyBucket];
  for (const stream of streams) {
    await jsm.streams.delete(stream).catch(() => false);
  }
  await nc.drain();
  await database.drop();
}

function printReport({
  bareResult,
  apiResult,
  loadBefore,
}: {
  bareResult: LoadResult;
  apiResult: LoadResult;
  loadBefore: number;
}): void {
  const row = (name: string, r: LoadResult) =>
    `${name.padEnd(28)} ${r.requestsPerSecond.toFixed(0).padStart(8)} req/s` +
    `   p50 ${String(r.p50Ms).padStart(4)} ms   p99 ${String(r.p99Ms).padStart(4)} ms` +
    `   non-2xx ${r.non2xx}   errors ${r.errors}`;
  const ratio = apiResult.requestsPerSecond / bareResult.requestsPerSecond;
  console.log(
    `GET /v1/remote-identities, ${users} users x ${IDENTITIES_PER_USER} identities, ` +
      `${connections} connections, ${durationSeconds} s each; ` +
      `${availableParallelism()} cores, load ${loadBefore.toFixed(2)} before`,
  );
  console.log(row('bare hono, constant list', bareResult));
  console.log(row('identity API, random user', apiResult));
  console.log(
    `ratio ${(ratio * 100).toFixed(0)} % of bare (aim >= 50 %); ` +
      `API p99 ${apiResult.p99Ms} ms (aim < 20 ms)`,
  );
}

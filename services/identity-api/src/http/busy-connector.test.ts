import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type ApiHarness } from '../testing/api-harness.ts';
import { putContactEmail } from '../testing/contact-fixtures.ts';
import { problemOf, registration, representationOf } from '../testing/requests.ts';

let harness: ApiHarness;
beforeAll(async () => {
  harness = await startHarness();
  await putContactEmail(harness);
});
afterAll(() => harness?.close());

async function register(): Promise<string> {
  const response = await harness.call('POST', '/v1/remote-identities', {
    json: registration({ connection_required: true }),
  });
  expect(response.status).toBe(201);
  return (await representationOf(response)).remote_identity_id;
}

/**
 * The pause between two facts while the test writes: 30 times the pace of the IMAP connector,
 * which reports progress about every 100 ms. Back to back (a fact every ~0.3 ms) no conditional
 * append can be sure to find a gap; see `changeIdentity`.
 */
const FACT_GAP_MS = 3;

const PUMP = fileURLToPath(new URL('../testing/fact-pump.ts', import.meta.url));

/**
 * A connector fetching a big mailbox, in a process of its own: `history` facts back to back,
 * then one every `gapMs` while the test writes (0: back to back throughout). Resolves once
 * the history is in.
 */
async function fetchBusily(id: string, history: number, gapMs: number) {
  const args = [PUMP, harness.jetstream.topology.namespace, id, String(history), String(gapMs)];
  const pump = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: pump.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.value !== 'history') {
    pump.kill();
    throw new Error(`the fact pump said ${String(first.value)}`);
  }
  return {
    /** Stops the pump; resolves with how many facts it appended. */
    async stop(): Promise<number> {
      pump.stdin.end();
      const last = await iterator.next();
      return Number(/^appended (\d+)$/.exec(String(last.value))?.[1]);
    },
  };
}

async function userEventTypes(id: string): Promise<string[]> {
  const stored = await harness.events(id);
  return stored.map((s) => s.event.type).filter((type) => !type.startsWith('Fetch'));
}

describe('writes while a connector in another process appends a fact every few ms', () => {
  it('applies PATCHes and a DELETE without If-Match after a long history', async () => {
    const id = await register();
    const busy = await fetchBusily(id, 2000, FACT_GAP_MS);
    let facts: number;
    try {
      for (const port of ['143', '993', '143']) {
        const response = await harness.call('PATCH', `/v1/remote-identities/${id}`, {
          json: { params: { mail_port: port } },
        });
        if (response.status !== 200) throw new Error(JSON.stringify(await problemOf(response)));
        expect((await representationOf(response)).params.mail_port).toBe(port);
      }
      const deleted = await harness.call('DELETE', `/v1/remote-identities/${id}`);
      if (deleted.status !== 204) throw new Error(JSON.stringify(await problemOf(deleted)));
    } finally {
      facts = await busy.stop();
    }
    // The connector kept appending while the writes went on.
    expect(facts).toBeGreaterThan(2000);
    expect(await userEventTypes(id)).toEqual([
      'RemoteIdentityCreated',
      'ConnectionRequested',
      'RemoteIdentityUpdated',
      'RemoteIdentityUpdated',
      'RemoteIdentityUpdated',
      'RemoteIdentityDeleted',
    ]);
  });

  it('loses neither of two racing PATCHes that change different params', async () => {
    const id = await register();
    const busy = await fetchBusily(id, 200, FACT_GAP_MS);
    try {
      const answers = await Promise.all([
        harness.call('PATCH', `/v1/remote-identities/${id}`, {
          json: { params: { mail_port: '143' } },
        }),
        harness.call('PATCH', `/v1/remote-identities/${id}`, {
          json: { params: { fetch_method: 'from_now' } },
        }),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    } finally {
      await busy.stop();
    }
    const stored = await harness.events(id);
    const updates = stored.flatMap(({ event }) =>
      event.type === 'RemoteIdentityUpdated' ? [event.data.params] : [],
    );
    expect(updates.at(-1)).toMatchObject({ mail_port: 143, fetch_method: 'from_now' });
  });

  it('answers 412 for an If-Match that another user write overtook', async () => {
    const id = await register();
    const busy = await fetchBusily(id, 200, FACT_GAP_MS);
    try {
      const first = await harness.call('PATCH', `/v1/remote-identities/${id}`, {
        json: { params: { mail_port: '143' } },
      });
      const etag = first.headers.get('etag') ?? '';
      expect(etag).toMatch(/^"\d+"$/);
      const second = await harness.call('PATCH', `/v1/remote-identities/${id}`, {
        json: { params: { mail_port: '110' } },
      });
      expect(second.status).toBe(200);
      const stale = await harness.call('PATCH', `/v1/remote-identities/${id}`, {
        json: { params: { mail_port: '995' } },
        headers: { 'If-Match': etag },
      });
      expect(stale.status).toBe(412);
      expect((await problemOf(stale)).code).toBe('VERSION_CONFLICT');
    } finally {
      await busy.stop();
    }
  });
});

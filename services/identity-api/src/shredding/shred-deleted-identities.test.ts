import { randomUUID } from 'node:crypto';
import type { JetStreamContext } from '@ri/event-store';
import { newEvent } from '@ri/events';
import { silentLogger } from '@ri/logging';
import type { EnvelopeKeyring } from '@ri/secrets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeTestJetStream,
  openTestJetStream,
  openTestKeyring,
} from '../testing/test-jetstream.ts';
import { startShredder, type RunningShredder } from './shred-deleted-identities.ts';

let jetstream: JetStreamContext;
let keyring: EnvelopeKeyring;
let shredder: RunningShredder;

beforeAll(async () => {
  jetstream = await openTestJetStream();
  keyring = await openTestKeyring(jetstream);
  shredder = await startShredder({ ...jetstream, keyring, logger: silentLogger() });
});
afterAll(async () => {
  await shredder?.stop();
  if (jetstream) await closeTestJetStream(jetstream);
});

async function eventually(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the shredder', () => {
  it('shreds the data key of an identity whose deletion was appended without a shred', async () => {
    const id = randomUUID();
    const other = randomUUID();
    const sealed = await keyring.sealFor(id, 'secret', 'password');
    const kept = await keyring.sealFor(other, 'kept', 'password');
    // As if the API had stopped between its append and its own shred.
    await jetstream.log.append(
      newEvent(
        'RemoteIdentityDeleted',
        {},
        {
          remote_identity_id: id,
          user_id: 'alice',
          correlation_id: randomUUID(),
          causation_id: null,
          occurred_at: new Date().toISOString(),
        },
      ),
    );
    await eventually(() =>
      keyring.openFor(id, sealed, 'password').then(
        () => false,
        () => true,
      ),
    );
    expect(await keyring.openFor(other, kept, 'password')).toBe('kept');
  });
});

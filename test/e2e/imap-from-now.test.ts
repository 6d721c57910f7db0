import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroup, type DatasetMessage } from '../support/dataset.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import { createConnectedIdentity, readIdentity } from '../support/identity-api.ts';
import { withImapClient } from '../support/maildir.ts';
import {
  readPublishedMail,
  startTestSystem,
  waitFor,
  type ApiAnswer,
  type TestSystem,
} from '../support/system.ts';

// from_now across folders: what was there at the first connection stays out, also when a
// folder is made anew under a new UIDVALIDITY; what comes later is fetched, also in folders
// made after the connection.
const USER = 'user-from-now';
const OLD_DATE = new Date('2001-01-01T00:00:00Z');
let dovecot: DovecotServer;
let system: TestSystem;
let dataset: DatasetMessage[];
let next = 0;
let id: string;

beforeAll(async () => {
  dataset = loadGroup('hard-ham-1');
  dovecot = await startDovecot();
  await withClient(async (client) => {
    await client.mailboxCreate('Old');
    for (const folder of ['INBOX', 'Old']) await append(client, folder, 5, OLD_DATE);
  });
  system = await startTestSystem({ caFiles: [dovecot.caCertFile], folderPollMs: 300 });
});

afterAll(async () => {
  await system?.stop();
  await dovecot?.stop();
});

function withClient<T>(use: (client: ImapFlow) => Promise<T>): Promise<T> {
  return withImapClient(dovecot, use);
}

async function append(client: ImapFlow, folder: string, count: number, date?: Date) {
  for (let i = 0; i < count; i++) await client.append(folder, dataset[next++]!.text, [], date);
}

function identity(): Promise<ApiAnswer> {
  return readIdentity(system, USER, id);
}

async function fetchedAll(expected: number) {
  return waitFor(
    identity,
    (a) => a.body?.messages_fetched === expected && a.body?.is_fetching === false,
    { what: `${expected} messages fetched`, timeoutMs: 30_000 },
  );
}

describe('from_now with folders', () => {
  it('leaves out what every folder held at the first connection', async () => {
    id = await createConnectedIdentity(system, USER, {
      login: dovecot.user,
      password: dovecot.password,
      mail_protocol: 'IMAP',
      incomming_mail_server: dovecot.host,
      mail_port: dovecot.imapPort,
      fetch_method: 'from_now',
    });
    await waitFor(
      () => system.events(id),
      (events) => events.some((e) => e.type === 'FetchCompleted' && e.data.mailbox === 'Old'),
      { what: 'the first sight of Old' },
    );
    await fetchedAll(0);
  });

  it('fetches all of a folder made after the connection', async () => {
    await withClient(async (client) => {
      await client.mailboxCreate('New');
      await append(client, 'New', 2);
    });
    await fetchedAll(2);
  });

  it('does not publish the old mail of a folder made anew, only what is new', async () => {
    await withClient(async (client) => {
      await client.mailboxDelete('Old');
      // UIDVALIDITY is a clock reading on Dovecot: let it move on.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await client.mailboxCreate('Old');
      // The same five messages, with their old dates, as a migration copies them; then one new.
      const after = next;
      next = 5;
      await append(client, 'Old', 5, OLD_DATE);
      next = after;
      await append(client, 'Old', 1);
    });
    await fetchedAll(3);
    const published = await readPublishedMail(system, id);
    expect(published.map((m) => m.mailbox).sort()).toEqual(['New', 'New', 'Old']);
  });
});

import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { mailFlagsChangedSchema, type MailFlagsChanged } from '@ri/events';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroup, md5OfFetched, type DatasetMessage } from '../support/dataset.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import { withImapClient } from '../support/maildir.ts';
import { createConnectedIdentity, readIdentity } from '../support/identity-api.ts';
import {
  readPublishedMail,
  startTestSystem,
  waitFor,
  type ApiAnswer,
  type TestSystem,
} from '../support/system.ts';

const USER = 'user-folders';
/** Folders as users name them: brackets, quotes, a space and letters beyond ASCII. */
const ODD = '[Work] "Q1"';
const NON_ASCII = 'Überweisungen €';
const PER_FOLDER = 8;
/** Where each message was appended, by its checksum, to compare with what was published. */
const placed = new Map<string, string>();

let dovecot: DovecotServer;
let system: TestSystem;
let dataset: DatasetMessage[];
let next = 0;
let id: string;

beforeAll(async () => {
  dataset = loadGroup('hard-ham-1');
  dovecot = await startDovecot();
  await withClient(async (client) => {
    for (const folder of ['Archive', ODD, NON_ASCII, 'Junk', 'Trash']) {
      await client.mailboxCreate(folder);
    }
    for (const folder of ['INBOX', 'Archive', ODD, NON_ASCII, 'Junk', 'Trash']) {
      await appendFresh(client, folder, PER_FOLDER);
    }
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

/** Appends `count` dataset messages not appended before, and answers their texts. */
async function appendFresh(client: ImapFlow, folder: string, count: number): Promise<string[]> {
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const message = dataset[next++]!;
    await client.append(folder, message.text);
    placed.set(message.md5, folder);
    texts.push(message.text);
  }
  return texts;
}

function identity(): Promise<ApiAnswer> {
  return readIdentity(system, USER, id);
}

function fetchedAll(expected: number) {
  return waitFor(
    identity,
    (a) => a.body?.messages_fetched === expected && a.body?.is_fetching === false,
    { what: `${expected} messages fetched`, timeoutMs: 60_000 },
  );
}

/** Published messages per folder, each checked against where it was appended. */
async function publishedByFolder(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const mail of await readPublishedMail(system, id)) {
    counts.set(mail.mailbox, (counts.get(mail.mailbox) ?? 0) + 1);
    const md5 = md5OfFetched(mail.raw);
    expect(placed.has(md5), `uid ${mail.uid} of ${mail.mailbox} was never appended`).toBe(true);
  }
  return counts;
}

describe('an IMAP identity with folders', () => {
  it('fetches every selectable folder but Junk and Trash, each message once', async () => {
    id = await createConnectedIdentity(system, USER, {
      login: dovecot.user,
      password: dovecot.password,
      mail_protocol: 'IMAP',
      incomming_mail_server: dovecot.host,
      mail_port: dovecot.imapPort,
      fetch_method: 'from_beginning',
    });
    await fetchedAll(4 * PER_FOLDER);
    const counts = await publishedByFolder();
    expect(Object.fromEntries(counts)).toEqual({
      INBOX: PER_FOLDER,
      Archive: PER_FOLDER,
      [ODD]: PER_FOLDER,
      [NON_ASCII]: PER_FOLDER,
    });
  });

  it('picks up a new folder and follows a renamed one without publishing it again', async () => {
    await withClient(async (client) => {
      await client.mailboxCreate('Projects');
      await appendFresh(client, 'Projects', 3);
    });
    await fetchedAll(4 * PER_FOLDER + 3);

    await withClient(async (client) => {
      await client.mailboxRename('Archive', 'Archive 2025');
      await appendFresh(client, 'Archive 2025', 1);
    });
    await fetchedAll(4 * PER_FOLDER + 4);
    const counts = await publishedByFolder();
    expect(counts.get('Archive')).toBe(PER_FOLDER);
    expect(counts.get('Archive 2025')).toBe(1);
    expect(counts.get('Projects')).toBe(3);
  });

  it('goes through a folder whose UIDVALIDITY changed without publishing it twice', async () => {
    const before = await withClient((client) => client.status('Projects', { uidValidity: true }));
    // The same folder made anew, as a server migration does: same messages, new UIDs.
    await withClient(async (client) => {
      const copies = await client.mailboxOpen('Projects').then(async () => {
        const texts: string[] = [];
        for await (const msg of client.fetch('1:*', { source: true })) {
          texts.push(msg.source!.toString('utf8'));
        }
        return texts;
      });
      await client.mailboxClose();
      await client.mailboxDelete('Projects');
      // UIDVALIDITY is a clock reading on Dovecot: let it move on.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await client.mailboxCreate('Projects');
      for (const text of copies) await client.append('Projects', text);
      await appendFresh(client, 'Projects', 1);
    });
    const after = await withClient((client) => client.status('Projects', { uidValidity: true }));
    expect(after.uidValidity).not.toBe(before.uidValidity);

    await fetchedAll(4 * PER_FOLDER + 5);
    const counts = await publishedByFolder();
    expect(counts.get('Projects')).toBe(4);
  });

  it('fetches Junk once the identity asks for it, and still not Trash', async () => {
    const patched = await system.call(USER, 'PATCH', `/v1/remote-identities/${id}`, {
      params: { include_junk: true },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await fetchedAll(5 * PER_FOLDER + 5);
    const counts = await publishedByFolder();
    expect(counts.get('Junk')).toBe(PER_FOLDER);
    expect(counts.has('Trash')).toBe(false);
  });

  it('publishes flags changed elsewhere, in INBOX and in other folders', async () => {
    await withClient(async (client) => {
      for (const folder of ['INBOX', 'Archive 2025']) {
        await client.mailboxOpen(folder);
        await client.messageFlagsAdd('1', ['\\Flagged'], { uid: false });
      }
    });
    // The first message of each folder was flagged. (A message that arrived during a pass
    // may be told once more, unchanged: its MODSEQ is above the one the pass began with.)
    const flagged = (found: MailFlagsChanged[], box: string) =>
      found.some((c) => c.mailbox === box && c.uid === 1 && c.flags.includes('\\Flagged'));
    await waitFor(
      flagChanges,
      (found) => ['INBOX', 'Archive 2025'].every((box) => flagged(found, box)),
      { what: 'the flagging told in both folders', timeoutMs: 30_000 },
    );
    const changes = await flagChanges();
    for (const change of changes) expect(change.flags).not.toContain('\\Recent');
  });
});

/** Every flags change published for the identity so far. */
async function flagChanges(): Promise<MailFlagsChanged[]> {
  const consumer = await jetstream(system.nc).consumers.get(system.topology.mailStream, {
    filter_subjects: system.topology.flagsSubject(id),
    deliver_policy: DeliverPolicy.All,
  });
  const found: MailFlagsChanged[] = [];
  for (;;) {
    const msg = await consumer.next({ expires: 1000 });
    if (!msg) return found;
    found.push(mailFlagsChangedSchema.parse(msg.json()));
  }
}

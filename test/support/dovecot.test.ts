import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGroup, md5OfFetched, type DatasetMessage } from './dataset.ts';
import { startDovecot, type DovecotServer } from './dovecot.ts';
import { appendMessage, fillMaildir, imapClient, warmMailbox } from './maildir.ts';
import { runMbsync } from './mbsync.ts';

describe('the private dovecot test server', () => {
  let server: DovecotServer;
  let messages: DatasetMessage[];

  beforeAll(async () => {
    server = await startDovecot();
    messages = loadGroup('hard-ham-1');
    await fillMaildir(server, messages);
    await warmMailbox(server);
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
  }, 10_000);

  it('serves all 250 hard-ham-1 messages over verified IMAPS in dataset order', async () => {
    const client = imapClient(server);
    await client.connect();
    const fetched: { uid: number; md5: string }[] = [];
    try {
      await client.mailboxOpen('INBOX');
      for await (const message of client.fetch('1:*', { uid: true, source: true })) {
        fetched.push({ uid: message.uid, md5: md5OfFetched(message.source!) });
      }
    } finally {
      await client.logout();
    }
    expect(fetched).toEqual(messages.map((message, i) => ({ uid: i + 1, md5: message.md5 })));
  }, 30_000);

  it('answers +OK over POP3S and counts the same 250 messages', async () => {
    const replies = await pop3sConversation(server, [
      `USER ${server.user}`,
      `PASS ${server.password}`,
      'STAT',
      'QUIT',
    ]);
    expect(replies[0]).toMatch(/^\+OK/);
    expect(replies[3]).toMatch(/^\+OK 250 /);
  }, 10_000);

  it('lets mbsync pull every message into a local Maildir', async () => {
    const target = await mkdtemp(join(tmpdir(), 'mbsync-'));
    try {
      const result = await runMbsync(server, target);
      expect(result.files).toBe(250);
      expect(result.ms).toBeGreaterThan(0);
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  }, 30_000);

  it('appends a message and returns the next UID', async () => {
    const text = 'From: a@example.com\r\nSubject: appended\r\n\r\nhello\r\n';
    expect(await appendMessage(server, text)).toBe(251);
  }, 10_000);
});

/** Sends each command after the previous reply; returns the greeting followed by the replies. */
function pop3sConversation(server: DovecotServer, commands: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: server.host,
      port: server.pop3sPort,
      ca: [server.caCertPem],
      servername: 'localhost',
    });
    const replies: string[] = [];
    let pending = '';
    socket.setEncoding('latin1');
    socket.on('error', reject);
    socket.on('close', () => resolve(replies));
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf('\r\n'); end !== -1; end = pending.indexOf('\r\n')) {
        replies.push(pending.slice(0, end));
        pending = pending.slice(end + 2);
        const command = commands[replies.length - 1];
        if (command === undefined) socket.end();
        else socket.write(`${command}\r\n`);
      }
    });
  });
}

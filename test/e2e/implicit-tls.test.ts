import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChaosProxy } from '../support/chaos-proxy.ts';
import { loadGroup } from '../support/dataset.ts';
import { startDovecot, type DovecotServer } from '../support/dovecot.ts';
import { createConnectedIdentity, readIdentity } from '../support/identity-api.ts';
import { fillMaildir } from '../support/maildir.ts';
import { readPublishedMail, startTestSystem, waitFor, type TestSystem } from '../support/system.ts';

// The connector speaks implicit TLS on the standard ports only (993, 995) and demands STARTTLS
// or STLS on any other, so these ports are borrowed on 127.0.0.1 and relayed byte for byte
// (TLS end to end) to the private Dovecot's IMAPS and POP3S listeners.
const MESSAGES = 12;
let dovecot: DovecotServer;
let system: TestSystem;
const relays: ChaosProxy[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
  await fillMaildir(dovecot, loadGroup('hard-ham-1').slice(0, MESSAGES));
  for (const [port, target] of [
    [993, dovecot.imapsPort],
    [995, dovecot.pop3sPort],
  ] as const) {
    const relay = await ChaosProxy.start({ target, port }).catch((err: Error) => {
      throw new Error(`127.0.0.1:${port} must be free for this test: ${err.message}`);
    });
    relays.push(relay);
  }
  system = await startTestSystem({ caFiles: [dovecot.caCertFile] });
});

afterAll(async () => {
  await system?.stop();
  await Promise.all(relays.map((relay) => relay.stop()));
  await dovecot?.stop();
});

describe('implicit TLS on the standard ports', () => {
  for (const [protocol, port] of [
    ['IMAP', 993],
    ['POP3', 995],
  ] as const) {
    it(`fetches every message over ${protocol} on port ${port}`, async () => {
      const user = `user-tls-${protocol}`;
      const id = await createConnectedIdentity(system, user, {
        login: dovecot.user,
        password: dovecot.password,
        mail_protocol: protocol,
        incomming_mail_server: '127.0.0.1',
        mail_port: port,
        fetch_method: 'from_beginning',
      });
      await waitFor(
        () => readIdentity(system, user, id),
        (a) => a.body?.messages_fetched === MESSAGES && a.body?.is_fetching === false,
        { what: `${protocol} over implicit TLS fetched` },
      );
      expect(await readPublishedMail(system, id)).toHaveLength(MESSAGES);
      const connected = (await system.events(id)).find((e) => e.type === 'Connected');
      expect(connected?.data).toMatchObject({ port });
    });
  }
});

import { randomUUID } from 'node:crypto';
import { evolveIdentity, type RemoteIdentityEvent } from '@ri/events';
import type { IdentityKeyring } from '@ri/secrets';
import type { CreateIdentityCommand } from './command-schemas.ts';
import {
  changeIdentity,
  toEvent,
  type ChangeIdentityResult,
  type EventMetadata,
} from './change-identity.ts';
import { decideUpdate } from './decide-update.ts';
import { bindIdentity, recheckProvider } from '../contacts/identity-provider.ts';
import { onLog, type IdentityLog } from './identity-log.ts';
import { loginKey } from './login-key.ts';
import type { LoginReservations } from './login-reservations.ts';
import { validationError } from '../problems/validation.ts';

/** Providers whose own API a connector speaks (`mail_protocol: API`). */
const API_PROVIDERS = new Set(['gmail']);

/** Seals with each identity's own data key, and shreds that key when the identity goes. */
export type SecretSealer = IdentityKeyring;

export interface CreateIdentityOptions extends EventMetadata {
  log: IdentityLog;
  secrets: SecretSealer;
  logins: LoginReservations;
  command: CreateIdentityCommand;
}

/** The purpose an identity's password is sealed for; a connector opens it with the same one. */
export const PASSWORD_PURPOSE = 'password';

/**
 * Registers an identity on a sub-object of the caller's contact: a new id, the binding on the
 * contact, its password sealed before it leaves this function, and `RemoteIdentityCreated`
 * appended on an empty subject, then the connection request if any.
 *
 * LIMITATION: the two appends are not atomic (JetStream 2.9 has no batch publish). If the log
 * fails between them the identity exists unconnected and the client sees a 503; retrying the
 * POST registers a second identity, since there is no idempotency key yet.
 */
export async function createIdentity({
  log,
  secrets,
  logins,
  command,
  ...metadata
}: CreateIdentityOptions): Promise<ChangeIdentityResult> {
  const remoteIdentityId = randomUUID();
  // 1. The login first, so that a duplicate is refused before anything is appended.
  const key = loginKey(metadata.userId, command.params);
  await logins.claim(key, remoteIdentityId);
  // 2. The sub-object named must be the caller's; its provider is the identity's. A refusal
  // frees the login, which nothing can use yet. A failure after the binding leaves a binding
  // to no identity, which provider changes then skip.
  const binding = { kind: command.identity_type, subObjectId: command.identity_id };
  const provider = await bindIdentity({ log, ...binding, remoteIdentityId, ...metadata }).catch(
    async (err: unknown) => {
      await logins.release(key, remoteIdentityId);
      throw err;
    },
  );
  if (command.params.mail_protocol === 'API' && !API_PROVIDERS.has(provider ?? '')) {
    await logins.release(key, remoteIdentityId);
    throw validationError([
      { path: '/params/mail_protocol', message: 'API needs a sub-object whose provider is gmail' },
    ]);
  }
  const created = toEvent(
    {
      type: 'RemoteIdentityCreated',
      data: {
        identity_type: command.identity_type,
        identity_id: command.identity_id,
        provider,
        params: command.params,
        secrets: {
          // The data keys live in NATS too: out of reach, it is the same "try again".
          password: await onLog(() =>
            secrets.sealFor(remoteIdentityId, command.password, PASSWORD_PURPOSE),
          ),
        },
      },
    },
    remoteIdentityId,
    metadata,
  );
  const { sequence } = await appendOrRelease(log, logins, key, created);
  // 3. The sub-object may have changed provider since the binding; if so, follow it before a
  // connector is asked to connect.
  const recheck = { ...binding, remoteIdentityId, provider, ...metadata };
  const followed = await recheckProvider({ log, ...recheck });
  if (command.connection_required || followed) {
    const connected = await changeIdentity({
      log,
      remoteIdentityId,
      decide: (state) =>
        command.connection_required ? decideUpdate(state, { connection_required: true }) : [],
      ...metadata,
    });
    return { ...connected, appended: [created, ...connected.appended] };
  }
  const state = evolveIdentity(undefined, created);
  if (!state) throw new Error('RemoteIdentityCreated did not produce a state');
  return { state, history: [{ event: created, sequence }], sequence, appended: [created] };
}

/**
 * Appends the creation; when that fails and the log confirms that nothing was stored, frees
 * the login at once, so that the client's retry is not refused as a duplicate of nothing. When
 * the log cannot tell, the reservation stays until `LoginReservations` finds it abandoned.
 */
async function appendOrRelease(
  log: IdentityLog,
  logins: LoginReservations,
  key: string,
  created: RemoteIdentityEvent,
): Promise<{ sequence: number }> {
  try {
    return await onLog(() => log.append(created, { expectedSequence: 0 }));
  } catch (err) {
    const stored = await log.read(created.remote_identity_id).catch(() => undefined);
    if (stored?.length === 0) await logins.release(key, created.remote_identity_id);
    throw err;
  }
}

import { randomUUID } from 'node:crypto';
import { evolveIdentity } from '@ri/events';
import type { SecretBox } from '@ri/secrets';
import type { CreateIdentityCommand } from './command-schemas.ts';
import {
  changeIdentity,
  toEvent,
  type ChangeIdentityResult,
  type EventMetadata,
} from './change-identity.ts';
import { decideUpdate } from './decide-update.ts';
import { onLog, type IdentityLog } from './identity-log.ts';

export type SecretSealer = Pick<SecretBox, 'seal' | 'open'>;

export interface CreateIdentityOptions extends EventMetadata {
  log: IdentityLog;
  secrets: SecretSealer;
  command: CreateIdentityCommand;
}

/** The sealing context of an identity's password; a connector opens it with the same one. */
export function passwordContext(remoteIdentityId: string): string {
  return `${remoteIdentityId}/password`;
}

/**
 * Registers an identity: a new id, its password sealed before it leaves this function, and
 * `RemoteIdentityCreated` appended on an empty subject, then the connection request if any.
 *
 * LIMITATION: the two appends are not atomic (JetStream 2.9 has no batch publish). If the log
 * fails between them the identity exists unconnected and the client sees a 503; retrying the
 * POST registers a second identity, since there is no idempotency key yet.
 */
export async function createIdentity({
  log,
  secrets,
  command,
  ...metadata
}: CreateIdentityOptions): Promise<ChangeIdentityResult> {
  const remoteIdentityId = randomUUID();
  const created = toEvent(
    {
      type: 'RemoteIdentityCreated',
      data: {
        identity_type: command.identity_type,
        identity_id: command.identity_id,
        // Named providers come with contacts; generic IMAP/POP3 has none.
        provider: null,
        params: command.params,
        secrets: { password: secrets.seal(command.password, passwordContext(remoteIdentityId)) },
      },
    },
    remoteIdentityId,
    metadata,
  );
  const { sequence } = await onLog(() => log.append(created, { expectedSequence: 0 }));
  if (command.connection_required) {
    const connected = await changeIdentity({
      log,
      remoteIdentityId,
      decide: (state) => decideUpdate(state, { connection_required: true }),
      ...metadata,
    });
    return { ...connected, appended: [created, ...connected.appended] };
  }
  const state = evolveIdentity(undefined, created);
  if (!state) throw new Error('RemoteIdentityCreated did not produce a state');
  return { state, history: [{ event: created, sequence }], sequence, appended: [created] };
}

import type { IdentityState } from '@ri/events';
import {
  changeIdentity,
  type ChangeIdentityResult,
  type EventMetadata,
  type VersionPrecondition,
} from './change-identity.ts';
import type { UpdateIdentityCommand } from './command-schemas.ts';
import { PASSWORD_PURPOSE, type SecretSealer } from './create-identity.ts';
import { decideDelete, decideUpdate } from './decide-update.ts';
import { onLog, type IdentityLog } from './identity-log.ts';
import { loginKey } from './login-key.ts';
import type { LoginReservations } from './login-reservations.ts';

export interface UpdateIdentityOptions extends EventMetadata {
  log: IdentityLog;
  secrets: SecretSealer;
  logins: LoginReservations;
  remoteIdentityId: string;
  command: UpdateIdentityCommand;
  precondition?: VersionPrecondition;
}

/**
 * Applies a PATCH; a password equal to the stored one is no change, so no event carries it.
 * New params that name another login, server or port reserve it before they are appended, and
 * the old reservation is released once they are.
 */
export async function updateIdentity({
  secrets,
  logins,
  command,
  ...options
}: UpdateIdentityOptions): Promise<ChangeIdentityResult> {
  const { password, ...rest } = command;
  const vacated: string[] = [];
  const result = await changeIdentity({
    ...options,
    async beforeAppend(state, pending) {
      if (pending.type !== 'RemoteIdentityUpdated') return;
      const from = loginKey(state.user_id, state.params);
      const to = loginKey(state.user_id, pending.data.params);
      if (from === to) return;
      await logins.claim(to, state.remote_identity_id);
      vacated.push(from);
    },
    decide: async (state) => {
      const changed = password !== undefined && !(await holdsPassword(secrets, state, password));
      const sealedPassword = changed
        ? await onLog(() => secrets.sealFor(state.remote_identity_id, password, PASSWORD_PURPOSE))
        : undefined;
      return decideUpdate(state, { ...rest, sealedPassword });
    },
  });
  const inUse = loginKey(result.state.user_id, result.state.params);
  for (const key of vacated) {
    if (key !== inUse) await logins.release(key, result.state.remote_identity_id);
  }
  return result;
}

export interface DeleteIdentityOptions extends EventMetadata {
  log: IdentityLog;
  secrets: SecretSealer;
  logins: LoginReservations;
  remoteIdentityId: string;
  precondition?: VersionPrecondition;
}

/**
 * Deletes an identity, shreds its data key so that the password sealed in the log opens no
 * more, and frees its login for another registration. The shred follows the append, so that a
 * failed append never leaves a live identity without its key; should the process stop (or
 * the bucket fail) in between, the API's shredder consumer shreds on `RemoteIdentityDeleted`.
 */
export async function deleteIdentity({
  secrets,
  logins,
  ...options
}: DeleteIdentityOptions): Promise<ChangeIdentityResult> {
  const result = await changeIdentity({ ...options, decide: decideDelete });
  const { state } = result;
  // Never fails the request: the delete is in the log already, and the shredder retries.
  await secrets.shred(state.remote_identity_id).catch(() => undefined);
  await logins.release(loginKey(state.user_id, state.params), state.remote_identity_id);
  return result;
}

async function holdsPassword(
  secrets: SecretSealer,
  state: IdentityState,
  password: string,
): Promise<boolean> {
  const sealed = state.secrets.password;
  if (!sealed) return false;
  try {
    const held = await secrets.openFor(state.remote_identity_id, sealed, PASSWORD_PURPOSE);
    return held === password;
  } catch {
    // A key rotated out cannot open the old value: store the new one, which is what we want.
    return false;
  }
}

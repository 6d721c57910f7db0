import type { IdentityState } from '@ri/events';
import {
  changeIdentity,
  type ChangeIdentityResult,
  type EventMetadata,
  type VersionPrecondition,
} from './change-identity.ts';
import type { UpdateIdentityCommand } from './command-schemas.ts';
import { passwordContext, type SecretSealer } from './create-identity.ts';
import { decideDelete, decideUpdate } from './decide-update.ts';
import type { IdentityLog } from './identity-log.ts';

export interface UpdateIdentityOptions extends EventMetadata {
  log: IdentityLog;
  secrets: SecretSealer;
  remoteIdentityId: string;
  command: UpdateIdentityCommand;
  precondition?: VersionPrecondition;
}

/** Applies a PATCH; a password equal to the stored one is no change, so no event carries it. */
export function updateIdentity({
  secrets,
  command,
  ...options
}: UpdateIdentityOptions): Promise<ChangeIdentityResult> {
  const { password, ...rest } = command;
  return changeIdentity({
    ...options,
    decide: (state) => {
      const changed = password !== undefined && !holdsPassword(secrets, state, password);
      const sealedPassword = changed
        ? secrets.seal(password, passwordContext(state.remote_identity_id))
        : undefined;
      return decideUpdate(state, { ...rest, sealedPassword });
    },
  });
}

export interface DeleteIdentityOptions extends EventMetadata {
  log: IdentityLog;
  remoteIdentityId: string;
  precondition?: VersionPrecondition;
}

export function deleteIdentity(options: DeleteIdentityOptions): Promise<ChangeIdentityResult> {
  return changeIdentity({ ...options, decide: decideDelete });
}

function holdsPassword(secrets: SecretSealer, state: IdentityState, password: string): boolean {
  const sealed = state.secrets.password;
  if (!sealed) return false;
  try {
    return secrets.open(sealed, passwordContext(state.remote_identity_id)) === password;
  } catch {
    // A key rotated out cannot open the old value: store the new one, which is what we want.
    return false;
  }
}

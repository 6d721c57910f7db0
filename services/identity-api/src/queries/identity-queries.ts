import type { ReadModelDb } from '@ri/read-model';
import type { RemoteIdentityRow } from '../representation/remote-identity.ts';
import { onReadModel } from './on-read-model.ts';

export interface IdentityPage {
  /** All of the user's identities, not only this page's. */
  total: number;
  rows: RemoteIdentityRow[];
}

export interface PageOptions {
  limit: number;
  offset: number;
}

/** One of the user's identities; another user's is as absent as a missing one. */
export function findIdentity(
  db: ReadModelDb,
  userId: string,
  remoteIdentityId: string,
): Promise<RemoteIdentityRow | undefined> {
  return onReadModel(() =>
    db
      .selectFrom('remote_identities')
      .selectAll()
      .where('remote_identity_id', '=', remoteIdentityId)
      .where('user_id', '=', userId)
      .executeTakeFirst(),
  );
}

/** The user's identities in creation order; the id breaks ties so that pages never overlap. */
export function listIdentities(
  db: ReadModelDb,
  userId: string,
  { limit, offset }: PageOptions,
): Promise<IdentityPage> {
  return onReadModel(async () => {
    const [rows, count] = await Promise.all([
      db
        .selectFrom('remote_identities')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('remote_identity_id')
        .limit(limit)
        .offset(offset)
        .execute(),
      db
        .selectFrom('remote_identities')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow(),
    ]);
    return { total: Number(count.total), rows };
  });
}

import type { IdentityType } from '@ri/events';
import { readPosition, type ReadModelDb } from '@ri/read-model';
import type { RemoteIdentityRow } from '../representation/remote-identity.ts';
import { onReadModel } from './on-read-model.ts';

export interface IdentityPage {
  /** Every identity of the user that matches the filters, not only this page's. */
  total: number;
  rows: RemoteIdentityRow[];
  /** The projection's position, read in the same snapshot as the rows, when asked for. */
  position?: number;
}

/** Conditions on the list; an absent one does not filter. */
export interface IdentityFilters {
  identity_type?: IdentityType;
  connected?: boolean;
  is_fetching?: boolean;
}

export interface PageOptions {
  limit: number;
  offset: number;
  filters?: IdentityFilters;
  /** Also read this projection's position, in the same statement. */
  positionOf?: string;
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

/**
 * The user's identities in creation order; the id breaks ties so that pages never overlap.
 * The page, its total and the position come in one statement, as the list is the hottest
 * route: a second query is only needed for the total and position of an empty page.
 */
export function listIdentities(
  db: ReadModelDb,
  userId: string,
  { limit, offset, filters = {}, positionOf }: PageOptions,
): Promise<IdentityPage> {
  const { identity_type, connected, is_fetching } = filters;
  const matching = db
    .selectFrom('remote_identities')
    .where('user_id', '=', userId)
    .$if(identity_type !== undefined, (q) => q.where('identity_type', '=', identity_type!))
    .$if(connected !== undefined, (q) => q.where('connected', '=', connected!))
    .$if(is_fetching !== undefined, (q) => q.where('is_fetching', '=', is_fetching!));
  return onReadModel(async () => {
    const found = await matching
      .selectAll()
      .select((eb) => [
        eb.fn.countAll<number>().over().as('total'),
        eb
          .selectFrom('projection_checkpoints')
          .select('position')
          .where('name', '=', positionOf ?? '')
          .as('position'),
      ])
      .orderBy('created_at')
      .orderBy('remote_identity_id')
      .limit(limit)
      .offset(offset)
      .execute();
    const first = found[0];
    if (first) {
      return {
        total: Number(first.total),
        rows: found,
        ...(positionOf === undefined ? {} : { position: Number(first.position ?? 0) }),
      };
    }
    const empty = await matching
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    const at = positionOf === undefined ? undefined : await readPosition(db, positionOf);
    return { total: Number(empty.total), rows: [], ...(at === undefined ? {} : { position: at }) };
  });
}

import { isContactEvent, type LogEvent, type RemoteIdentityEvent } from '@ri/events';
import type { ReadModelDatabase, ReadModelDb, RemoteIdentitiesTable } from '@ri/read-model';
import { sql, type Insertable, type Transaction } from 'kysely';
import { applyContactEvents, type SequencedContactEvent } from './apply-contact-events.ts';
import { evolveRow, type RemoteIdentityRow } from './remote-identity-row.ts';

export interface SequencedEvent {
  /** An identity's event or a contact's: both kinds share the identity stream. */
  event: LogEvent;
  /** The event's sequence in the identity stream. */
  sequence: number;
}

interface SequencedIdentityEvent {
  event: RemoteIdentityEvent;
  sequence: number;
}

/** Consecutive messages of the identity stream, applied together. */
export interface ProjectionBatch {
  /** The valid events, in stream order; invalid messages are left out. */
  events: SequencedEvent[];
  /** The sequence of the batch's last message, valid or not: where the checkpoint moves to. */
  lastSequence: number;
}

export interface BatchResult {
  /** The checkpoint after the commit. */
  position: number;
  /** Events of the batch that were above the checkpoint and so were applied now. */
  applied: number;
}

type ReadModelTransaction = Transaction<ReadModelDatabase>;

/**
 * Applies a batch and moves projection `name`'s checkpoint to its last sequence, in one
 * transaction: after a crash either both are there or neither is. Events at or below the
 * checkpoint are skipped, so a redelivery, or a second instance that got there first, never
 * applies an event twice. A database error rejects and leaves the checkpoint where it was.
 */
export async function applyBatch(
  db: ReadModelDb,
  name: string,
  batch: ProjectionBatch,
): Promise<BatchResult> {
  return db.transaction().execute(async (trx) => {
    // The checkpoint row lock serializes every writer of the read model: a second instance
    // waits here, then finds the checkpoint moved and skips what the first one applied.
    const position = await lockCheckpoint(trx, name);
    if (batch.lastSequence <= position) return { position, applied: 0 };
    const fresh = batch.events.filter((e) => e.sequence > position);
    // Identity rows and contact rows never depend on each other, so each kind is applied on
    // its own; the order within each kind is the stream's.
    const identityEvents: SequencedIdentityEvent[] = [];
    const contactEvents: SequencedContactEvent[] = [];
    for (const { event, sequence } of fresh) {
      if (isContactEvent(event)) contactEvents.push({ event, sequence });
      else identityEvents.push({ event, sequence });
    }
    await applyEvents(trx, identityEvents);
    await applyContactEvents(trx, contactEvents);
    await trx
      .updateTable('projection_checkpoints')
      .set({ position: batch.lastSequence, updated_at: sql<Date>`now()` })
      .where('name', '=', name)
      .execute();
    return { position: batch.lastSequence, applied: fresh.length };
  });
}

async function lockCheckpoint(trx: ReadModelTransaction, name: string): Promise<number> {
  await trx
    .insertInto('projection_checkpoints')
    .values({ name, position: 0 })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await trx
    .selectFrom('projection_checkpoints')
    .select('position')
    .where('name', '=', name)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return row.position;
}

/**
 * Folds the events into the rows they concern in memory and writes each changed row once, so
 * that a batch costs a few statements whatever its size.
 */
async function applyEvents(
  trx: ReadModelTransaction,
  events: SequencedIdentityEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const ids = [...new Set(events.map((e) => e.event.remote_identity_id))];
  const stored = await trx
    .selectFrom('remote_identities')
    .selectAll()
    .where('remote_identity_id', 'in', ids)
    .execute();
  const before = new Map(stored.map((row) => [row.remote_identity_id, row]));
  const after = new Map<string, RemoteIdentityRow | undefined>(before);
  for (const { event, sequence } of events) {
    const id = event.remote_identity_id;
    after.set(id, evolveRow(after.get(id), event, sequence));
  }

  const upserts: RemoteIdentityRow[] = [];
  const deletes: string[] = [];
  for (const [id, row] of after) {
    if (row === undefined) {
      if (before.has(id)) deletes.push(id);
    } else if (row !== before.get(id)) {
      upserts.push(row);
    }
  }
  if (deletes.length > 0) {
    await trx.deleteFrom('remote_identities').where('remote_identity_id', 'in', deletes).execute();
  }
  if (upserts.length > 0) await upsertRows(trx, upserts);
}

async function upsertRows(trx: ReadModelTransaction, rows: RemoteIdentityRow[]): Promise<void> {
  await trx
    .insertInto('remote_identities')
    .values(rows.map(toInsertable))
    .onConflict((oc) =>
      // Every column: a row deleted and created again within the batch is a new row.
      oc.column('remote_identity_id').doUpdateSet((eb) => ({
        user_id: eb.ref('excluded.user_id'),
        identity_type: eb.ref('excluded.identity_type'),
        identity_id: eb.ref('excluded.identity_id'),
        provider: eb.ref('excluded.provider'),
        params: eb.ref('excluded.params'),
        connection_required: eb.ref('excluded.connection_required'),
        cancel_fetch_required: eb.ref('excluded.cancel_fetch_required'),
        is_fetching: eb.ref('excluded.is_fetching'),
        running_fetches: eb.ref('excluded.running_fetches'),
        connected: eb.ref('excluded.connected'),
        last_connection: eb.ref('excluded.last_connection'),
        last_error: eb.ref('excluded.last_error'),
        messages_fetched: eb.ref('excluded.messages_fetched'),
        paused_since: eb.ref('excluded.paused_since'),
        created_at: eb.ref('excluded.created_at'),
        updated_at: eb.ref('excluded.updated_at'),
        last_sequence: eb.ref('excluded.last_sequence'),
      })),
    )
    .execute();
}

function toInsertable(row: RemoteIdentityRow): Insertable<RemoteIdentitiesTable> {
  return {
    ...row,
    params: JSON.stringify(row.params),
    running_fetches: JSON.stringify(row.running_fetches),
    last_error: row.last_error === null ? null : JSON.stringify(row.last_error),
  };
}

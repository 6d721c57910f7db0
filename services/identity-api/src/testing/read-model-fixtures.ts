import { randomUUID } from 'node:crypto';
import type { ReadModelDb } from '@ri/read-model';

export interface IdentityRowFixture {
  remote_identity_id?: string;
  user_id?: string;
  identity_id?: string;
  connection_required?: boolean;
  connected?: boolean;
  is_fetching?: boolean;
  last_connection?: Date | null;
  last_error?: { code: string; message: string; at: string } | null;
  messages_fetched?: number;
  paused_since?: Date | null;
  created_at?: Date;
  last_sequence?: number;
  params?: Record<string, unknown>;
}

/**
 * Writes a row as the projection would. The projection is built elsewhere, so query tests
 * state the read model they expect instead of depending on it.
 */
export async function insertIdentityRow(
  db: ReadModelDb,
  fixture: IdentityRowFixture = {},
): Promise<string> {
  const id = fixture.remote_identity_id ?? randomUUID();
  const createdAt = fixture.created_at ?? new Date();
  await db
    .insertInto('remote_identities')
    .values({
      remote_identity_id: id,
      user_id: fixture.user_id ?? 'alice',
      identity_type: 'email',
      identity_id: fixture.identity_id ?? `${id.slice(0, 8)}@example.org`,
      provider: null,
      params: JSON.stringify(
        fixture.params ?? {
          login: 'alice',
          mail_protocol: 'IMAP',
          incomming_mail_server: 'imap.example.org',
          mail_port: 993,
          fetch_method: 'from_now',
        },
      ),
      connection_required: fixture.connection_required ?? false,
      cancel_fetch_required: false,
      is_fetching: fixture.is_fetching ?? false,
      connected: fixture.connected ?? false,
      last_connection: fixture.last_connection ?? null,
      last_error: fixture.last_error ? JSON.stringify(fixture.last_error) : null,
      messages_fetched: fixture.messages_fetched ?? 0,
      paused_since: fixture.paused_since ?? null,
      created_at: createdAt,
      updated_at: createdAt,
      last_sequence: fixture.last_sequence ?? 1,
    })
    .execute();
  return id;
}

/** Moves the projection's checkpoint, as the projection does after applying events. */
export async function setCheckpoint(
  db: ReadModelDb,
  name: string,
  position: number,
): Promise<void> {
  await db
    .insertInto('projection_checkpoints')
    .values({ name, position })
    .onConflict((oc) => oc.column('name').doUpdateSet({ position }))
    .execute();
}

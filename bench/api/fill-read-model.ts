import { randomUUID } from 'node:crypto';
import type { ReadModelDb } from '@ri/read-model';

export interface FillOptions {
  users: number;
  identitiesPerUser: number;
}

/** The user ids the read model is filled for: `bench-user-0` ... */
export function benchUserIds(users: number): string[] {
  return Array.from({ length: users }, (_, i) => `bench-user-${i}`);
}

/**
 * Writes rows as the projection would, a user at a time per insert: the benchmark measures
 * reads, so the rows are stated rather than projected from events.
 */
export async function fillReadModel(
  db: ReadModelDb,
  { users, identitiesPerUser }: FillOptions,
): Promise<void> {
  const base = Date.parse('2025-01-01T00:00:00Z');
  let sequence = 0;
  for (const userId of benchUserIds(users)) {
    const rows = Array.from({ length: identitiesPerUser }, (_, i) => {
      const createdAt = new Date(base + (sequence += 1) * 1000);
      return {
        remote_identity_id: randomUUID(),
        user_id: userId,
        identity_type: 'email',
        identity_id: `box${i}@example.org`,
        provider: null,
        params: JSON.stringify({
          login: `${userId}-${i}@example.org`,
          mail_protocol: 'IMAP',
          incomming_mail_server: 'imap.example.org',
          mail_port: 993,
          fetch_method: 'from_now',
        }),
        connection_required: i % 2 === 0,
        cancel_fetch_required: false,
        is_fetching: i % 3 === 0,
        connected: i % 2 === 0,
        last_connection: i % 2 === 0 ? createdAt : null,
        last_error: null,
        messages_fetched: i * 100,
        created_at: createdAt,
        updated_at: createdAt,
        last_sequence: sequence,
      };
    });
    await db.insertInto('remote_identities').values(rows).execute();
  }
  await db
    .insertInto('projection_checkpoints')
    .values({ name: 'remote-identities', position: sequence })
    .execute();
}

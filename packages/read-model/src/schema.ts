import type { ColumnType, Generated } from 'kysely';

/** The error a connector reported last, as the API serves it. */
export interface LastError {
  code: string;
  message: string;
  at: string;
  /** `relogin`, `check_settings` or `none`; absent for fetch errors and older events. */
  user_action?: 'relogin' | 'check_settings' | 'none';
}

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** One row per live remote identity; a deleted identity's row is removed. */
export interface RemoteIdentitiesTable {
  remote_identity_id: string;
  user_id: string;
  identity_type: string;
  identity_id: string;
  provider: string | null;
  /** The public params: never a secret, since secrets stay sealed in the log. */
  params: ColumnType<Record<string, unknown>, string, string>;
  connection_required: boolean;
  cancel_fetch_required: boolean;
  is_fetching: boolean;
  /** Fetch ids started and not yet ended; `is_fetching` is whether there is any. */
  running_fetches: ColumnType<string[], string | undefined, string>;
  connected: boolean;
  last_connection: Timestamp | null;
  last_error: ColumnType<LastError | null, string | null, string | null>;
  messages_fetched: ColumnType<number, number | undefined, number>;
  /** When the connector stopped retrying after failing too long; null while not paused. */
  paused_since: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Stream sequence of the identity's last applied event: its version, for ETags. */
  last_sequence: ColumnType<number, number, number>;
}

/** A contact sub-object as the read model serves it. */
export interface ContactSubObjectRow {
  id: string;
  address: string;
  is_primary: boolean;
  label: string | null;
  type: string | null;
  provider: string | null;
  date_insert: string;
}

type SubObjectList = ColumnType<ContactSubObjectRow[], string, string>;

/** One row per user's contact, with its sub-objects in order of first insertion. */
export interface ContactsTable {
  contact_id: string;
  user_id: string;
  emails: SubObjectList;
  ims: SubObjectList;
  social_identities: SubObjectList;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Stream sequence of the contact's last applied event. */
  last_sequence: ColumnType<number, number, number>;
}

/** Where each projection stands in the identity stream; written with the rows it changed. */
export interface ProjectionCheckpointsTable {
  name: string;
  position: ColumnType<number, number, number>;
  updated_at: Generated<Date>;
}

export interface ReadModelDatabase {
  remote_identities: RemoteIdentitiesTable;
  contacts: ContactsTable;
  projection_checkpoints: ProjectionCheckpointsTable;
}

export { readPosition } from './checkpoints.ts';
export { openDatabase, type DatabaseOptions, type ReadModelDb } from './database.ts';
export { migrateToLatest } from './migrate.ts';
export type {
  ContactSubObjectRow,
  ContactsTable,
  LastError,
  ProjectionCheckpointsTable,
  ReadModelDatabase,
  RemoteIdentitiesTable,
} from './schema.ts';

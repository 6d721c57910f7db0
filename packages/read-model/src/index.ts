export { readPosition } from './checkpoints.ts';
export { openDatabase, type DatabaseOptions, type ReadModelDb } from './database.ts';
export { migrateToLatest } from './migrate.ts';
export type {
  LastError,
  ProjectionCheckpointsTable,
  ReadModelDatabase,
  RemoteIdentitiesTable,
} from './schema.ts';

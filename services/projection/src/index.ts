export { evolveRow, type RemoteIdentityRow } from './remote-identity-row.ts';
export {
  startProjection,
  type JetStreamClient,
  type Projection,
  type ProjectionOptions,
} from './projection.ts';

import { ApiError } from '../problems/api-error.ts';

/**
 * Runs a read-model query. Every input is checked before it reaches SQL, so a failure here is
 * the database being out of reach, which the client can retry: 503, not 500.
 */
export async function onReadModel<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (err) {
    throw new ApiError('READ_MODEL_UNAVAILABLE', 'The read model cannot be reached; try again.', {
      cause: err,
    });
  }
}

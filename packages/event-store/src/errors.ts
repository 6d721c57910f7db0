/** Raised when an append demanded a last sequence that the identity's subject no longer has. */
export class VersionConflictError extends Error {
  readonly code = 'VERSION_CONFLICT';
  constructor(
    readonly subject: string,
    readonly expectedSequence: number,
    options?: ErrorOptions,
  ) {
    super(`${subject} has moved past sequence ${expectedSequence}`, options);
    this.name = 'VersionConflictError';
  }
}

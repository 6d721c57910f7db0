/** A benchmark run produced a wrong result; its timing must not be reported as valid. */
export class VerificationError extends Error {
  readonly code = 'VERIFICATION_FAILED';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VerificationError';
  }
}

/** Every failure the API can answer with; clients branch on these, so they never change. */
export const API_ERROR_CODES = [
  'MALFORMED_JSON',
  'UNAUTHENTICATED',
  'IDENTITY_NOT_FOUND',
  'CONTACT_NOT_FOUND',
  'SUBOBJECT_NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONCURRENT_UPDATE',
  'IDENTITY_DUPLICATE',
  'VERSION_CONFLICT',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'VALIDATION_FAILED',
  'IDENTITY_TYPE_UNSUPPORTED',
  'IDENTITY_SUBOBJECT_NOT_FOUND',
  'DESTINATION_NOT_ALLOWED',
  'CONTACT_EXISTS',
  'SUBOBJECT_IN_USE',
  'LOG_UNAVAILABLE',
  'READ_MODEL_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** One offending input, located by a JSON Pointer into the request (`/params/mail_port`). */
export interface FieldError {
  path: string;
  message: string;
}

export interface ApiErrorOptions extends ErrorOptions {
  /** Per-field details of a validation failure. */
  errors?: FieldError[];
  /** Headers that belong to this failure only, such as `Allow` on a 405. */
  headers?: Record<string, string>;
}

/**
 * The one error type the API raises on purpose. Its code decides the HTTP answer, in
 * `problem-response.ts` only; the message becomes the problem's `detail`, so it must be safe to
 * show a client (no secrets, no internals).
 */
export class ApiError extends Error {
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: ApiErrorCode,
    detail: string,
    options: ApiErrorOptions = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError, type ApiErrorCode, type FieldError } from './api-error.ts';

/** An RFC 9457 problem document, with the API's stable `code` as an extension member. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ApiErrorCode;
  errors?: FieldError[];
}

interface ProblemKind {
  status: ContentfulStatusCode;
  title: string;
  headers?: Record<string, string>;
}

/** The only place where an error code meets HTTP. */
const PROBLEM_KINDS: Record<ApiErrorCode, ProblemKind> = {
  MALFORMED_JSON: { status: 400, title: 'Malformed JSON body' },
  UNAUTHENTICATED: {
    status: 401,
    title: 'Authentication required',
    headers: { 'WWW-Authenticate': 'Bearer' },
  },
  IDENTITY_NOT_FOUND: { status: 404, title: 'Remote identity not found' },
  CONTACT_NOT_FOUND: { status: 404, title: 'Contact not found' },
  SUBOBJECT_NOT_FOUND: { status: 404, title: 'Contact sub-object not found' },
  ROUTE_NOT_FOUND: { status: 404, title: 'Route not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  CONCURRENT_UPDATE: { status: 409, title: 'Remote identity changed concurrently' },
  IDENTITY_DUPLICATE: {
    status: 409,
    title: 'The user has this login on this server already',
  },
  VERSION_CONFLICT: { status: 412, title: 'Remote identity version does not match If-Match' },
  BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  VALIDATION_FAILED: { status: 422, title: 'Request failed validation' },
  IDENTITY_TYPE_UNSUPPORTED: { status: 422, title: 'Identity type not supported yet' },
  IDENTITY_SUBOBJECT_NOT_FOUND: {
    status: 422,
    title: 'identity_id names no sub-object of that type in the caller’s contact',
  },
  CONTACT_EXISTS: { status: 409, title: 'The caller has a contact already' },
  SUBOBJECT_IN_USE: { status: 409, title: 'Remote identities are registered on it' },
  DESTINATION_NOT_ALLOWED: { status: 422, title: 'Mail server address not allowed' },
  LOG_UNAVAILABLE: {
    status: 503,
    title: 'Event log unavailable',
    headers: { 'Retry-After': '1' },
  },
  READ_MODEL_UNAVAILABLE: {
    status: 503,
    title: 'Read model unavailable',
    headers: { 'Retry-After': '1' },
  },
  INTERNAL: { status: 500, title: 'Internal error' },
};

const HTTP_EXCEPTION_CODES: Partial<Record<number, ApiErrorCode>> = {
  400: 'MALFORMED_JSON',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** The HTTP status of a code, for the contract's list of answers. */
export function problemStatus(code: ApiErrorCode): ContentfulStatusCode {
  return PROBLEM_KINDS[code].status;
}

const PROBLEM_TYPE_PREFIX = 'urn:remote-identities:problem:';

/**
 * Turns anything thrown into an `ApiError`; whatever is not one is a bug on our side, and its
 * message stays out of the answer because it may name internals.
 */
export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // Hono's own validators raise these before our checks can, should a route lack them.
  if (err instanceof HTTPException) {
    const code = HTTP_EXCEPTION_CODES[err.status];
    if (code) return new ApiError(code, PROBLEM_KINDS[code].title + '.', { cause: err });
  }
  return new ApiError('INTERNAL', 'The server failed to handle the request.', { cause: err });
}

export function toProblem(error: ApiError): Problem {
  const kind = PROBLEM_KINDS[error.code];
  return {
    type: PROBLEM_TYPE_PREFIX + error.code.toLowerCase().replaceAll('_', '-'),
    title: kind.title,
    status: kind.status,
    detail: error.message,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

export function problemResponse(c: Context, error: ApiError): Response {
  const kind = PROBLEM_KINDS[error.code];
  const headers = {
    ...kind.headers,
    ...error.headers,
    'Content-Type': 'application/problem+json',
  };
  return c.body(JSON.stringify(toProblem(error)), kind.status, headers);
}

import type { z } from 'zod';
import { ApiError, type FieldError } from './api-error.ts';

/** The default messages name zod's types; say instead what the client must send. */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return undefined;
};

/** JSON Pointer (RFC 6901) to a value in the request body: `/params/mail_port`. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

export function fieldErrors(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []) {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      // One entry per key, so that a client can point at each offending field.
      for (const key of issue.keys) {
        errors.push({ path: jsonPointer([...path, key]), message: 'is not a known field' });
      }
    } else {
      errors.push({ path: jsonPointer(path), message: issue.message });
    }
  }
  return errors;
}

export function validationError(errors: FieldError[]): ApiError {
  const fields = errors.map((e) => e.path || '(body)').join(', ');
  return new ApiError('VALIDATION_FAILED', `Invalid input at ${fields}.`, { errors });
}

/** Parses `input` with `schema`, or throws a 422 `ApiError` listing every offending field. */
export function validate<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input, { error: errorMap });
  if (!result.success) throw validationError(fieldErrors(result.error.issues));
  return result.data;
}

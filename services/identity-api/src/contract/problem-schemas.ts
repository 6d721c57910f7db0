import { z } from '@hono/zod-openapi';
import { API_ERROR_CODES, type ApiErrorCode } from '../problems/api-error.ts';
import { problemStatus } from '../problems/problem-response.ts';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export const fieldErrorSchema = z
  .object({
    path: z.string().openapi({
      description: 'JSON Pointer into the body, or `/name` of a query parameter.',
      examples: ['/params/mail_port'],
    }),
    message: z.string(),
  })
  .openapi('FieldError');

export const problemSchema = z
  .object({
    type: z.string().openapi({ examples: ['urn:remote-identities:problem:identity-not-found'] }),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().openapi({ description: 'Safe to show; never holds a secret.' }),
    code: z.enum(API_ERROR_CODES).openapi({ description: 'Stable: branch on this.' }),
    errors: z.array(fieldErrorSchema).optional().openapi({
      description: 'One entry per offending input, on VALIDATION_FAILED.',
    }),
  })
  .openapi('Problem', { description: 'An RFC 9457 problem document with a stable `code`.' });

const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string' } },
} as const;

/**
 * The error answers of an operation: one entry per status, listing the codes it can carry.
 * Statuses come from the codes, so the document and `problem-response.ts` cannot disagree.
 */
export function problemResponses(codes: readonly ApiErrorCode[]) {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of codes) {
    const status = problemStatus(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ProblemResponseConfig> = {};
  for (const [status, statusCodes] of byStatus) {
    responses[status] = {
      description: `Problem with code ${statusCodes.join(' or ')}.`,
      content: { [PROBLEM_MEDIA_TYPE]: { schema: problemSchema } },
      ...(status === 503 ? { headers: retryAfter } : {}),
    };
  }
  return responses;
}

interface ProblemResponseConfig {
  description: string;
  content: { [PROBLEM_MEDIA_TYPE]: { schema: typeof problemSchema } };
  headers?: typeof retryAfter;
}

/** What any authenticated operation may answer, whatever it does. */
export const COMMON_PROBLEMS = [
  'UNAUTHENTICATED',
  'INTERNAL',
] as const satisfies readonly ApiErrorCode[];

import type { RouteConfig } from '@hono/zod-openapi';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { validate, validationError } from '../problems/validation.ts';

interface ValidationResult {
  target: keyof ValidationTargets;
  success: boolean;
}

/**
 * The hook of a contract route's validators: a failure becomes the API's 422. The input is
 * validated again with `validate`, which words messages for clients ("is required") where the
 * validator used zod's defaults; the two parses use the same schema, so they agree on failing.
 * `@hono/zod-validator` hands the raw input to the hook as `data` when parsing failed.
 */
export function validationHook(route: RouteConfig) {
  return function refuseInvalidInput(result: ValidationResult, _c: unknown): undefined {
    if (result.success) return undefined;
    const schema = requestSchema(route, result.target);
    if (schema) validate(schema, (result as { data?: unknown }).data);
    // Reached only if the second parse disagrees with the first, which zod never does.
    throw validationError([{ path: '', message: 'is invalid' }]);
  };
}

function requestSchema(route: RouteConfig, target: keyof ValidationTargets): z.ZodType | undefined {
  const request = route.request;
  switch (target) {
    case 'json':
      return (request?.body?.content['application/json'] as { schema?: z.ZodType } | undefined)
        ?.schema;
    case 'query':
      return request?.query;
    case 'param':
      return request?.params;
    case 'header':
      return request?.headers as z.ZodType | undefined;
    default:
      return undefined;
  }
}

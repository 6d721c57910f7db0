import { createRoute, z } from '@hono/zod-openapi';
import { createBodySchema, patchBodySchema } from '../commands/command-schemas.ts';
import { listQuerySchema, readQuerySchema } from '../queries/query-schemas.ts';
import {
  remoteIdentityPageSchema,
  remoteIdentitySchema,
} from '../representation/representation-schemas.ts';
import { COMMON_PROBLEMS, problemResponses } from './problem-schemas.ts';

/** The name of the bearer scheme in the document's `components.securitySchemes`. */
export const BEARER_SCHEME = 'bearerAuth';

const TAGS = ['Remote identities'];
const SECURITY = [{ [BEARER_SCHEME]: [] }];
const JSON_TYPE = 'application/json';

const idParams = z.object({
  id: z.string().openapi({
    param: { name: 'id', in: 'path' },
    format: 'uuid',
    description: "The identity's `remote_identity_id`; anything but a uuid answers 404.",
  }),
});

const ifMatchHeaders = z.object({
  'if-match': z
    .string()
    .optional()
    .openapi({
      description: 'Quoted `sequence` values or `*`: change only that version (else 412).',
      examples: ['"42"'],
    }),
});

const text = { schema: { type: 'string' } } as const;
const ETAG = { ETag: { description: 'The quoted `sequence`.', ...text } } as const;
const POSITION = {
  'Read-Model-Position': { description: 'The stream sequence the read model stands at.', ...text },
} as const;

export const listIdentitiesRoute = createRoute({
  method: 'get',
  path: '/v1/remote-identities',
  operationId: 'listRemoteIdentities',
  summary: "The caller's identities, filtered and paged, in creation order",
  tags: TAGS,
  security: SECURITY,
  request: { query: listQuerySchema },
  responses: {
    200: {
      description: 'A page of matches and how many match in all.',
      headers: POSITION,
      content: { [JSON_TYPE]: { schema: remoteIdentityPageSchema } },
    },
    ...problemResponses([...COMMON_PROBLEMS, 'VALIDATION_FAILED', 'READ_MODEL_UNAVAILABLE']),
  },
});

export const getIdentityRoute = createRoute({
  method: 'get',
  path: '/v1/remote-identities/{id}',
  operationId: 'getRemoteIdentity',
  summary: 'One of the caller’s identities, from the read model',
  tags: TAGS,
  security: SECURITY,
  request: { params: idParams, query: readQuerySchema },
  responses: {
    200: {
      description: 'The identity.',
      headers: { ...ETAG, ...POSITION },
      content: { [JSON_TYPE]: { schema: remoteIdentitySchema } },
    },
    ...problemResponses([
      ...COMMON_PROBLEMS,
      'IDENTITY_NOT_FOUND',
      'VALIDATION_FAILED',
      'READ_MODEL_UNAVAILABLE',
    ]),
  },
});

const BODY_PROBLEMS = ['MALFORMED_JSON', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const;

export const createIdentityRoute = createRoute({
  method: 'post',
  path: '/v1/remote-identities',
  operationId: 'createRemoteIdentity',
  summary: 'Registers a remote identity (only email for now)',
  description:
    'The password is sealed before it is stored and is never served. A user cannot register ' +
    'the same `login` on the same server and port twice (409 IDENTITY_DUPLICATE).',
  tags: TAGS,
  security: SECURITY,
  request: {
    body: { required: true, content: { [JSON_TYPE]: { schema: createBodySchema } } },
  },
  responses: {
    201: {
      description: 'Registered; the representation comes from the event log.',
      headers: {
        ...ETAG,
        Location: { description: 'The identity’s URL.', ...text },
      },
      content: { [JSON_TYPE]: { schema: remoteIdentitySchema } },
    },
    ...problemResponses([
      ...COMMON_PROBLEMS,
      ...BODY_PROBLEMS,
      'VALIDATION_FAILED',
      'IDENTITY_TYPE_UNSUPPORTED',
      'IDENTITY_SUBOBJECT_NOT_FOUND',
      'DESTINATION_NOT_ALLOWED',
      'IDENTITY_DUPLICATE',
      'CONCURRENT_UPDATE',
      'LOG_UNAVAILABLE',
    ]),
  },
});

export const updateIdentityRoute = createRoute({
  method: 'patch',
  path: '/v1/remote-identities/{id}',
  operationId: 'updateRemoteIdentity',
  summary: 'Changes params, password, or asks for a connection or a cancelled fetch',
  tags: TAGS,
  security: SECURITY,
  request: {
    params: idParams,
    headers: ifMatchHeaders,
    body: { required: true, content: { [JSON_TYPE]: { schema: patchBodySchema } } },
  },
  responses: {
    200: {
      description: 'The identity after the change.',
      headers: ETAG,
      content: { [JSON_TYPE]: { schema: remoteIdentitySchema } },
    },
    ...problemResponses([
      ...COMMON_PROBLEMS,
      ...BODY_PROBLEMS,
      'IDENTITY_NOT_FOUND',
      'VALIDATION_FAILED',
      'DESTINATION_NOT_ALLOWED',
      'IDENTITY_DUPLICATE',
      'CONCURRENT_UPDATE',
      'VERSION_CONFLICT',
      'LOG_UNAVAILABLE',
      'READ_MODEL_UNAVAILABLE',
    ]),
  },
});

export const deleteIdentityRoute = createRoute({
  method: 'delete',
  path: '/v1/remote-identities/{id}',
  operationId: 'deleteRemoteIdentity',
  summary: 'Deletes an identity; its connector disconnects',
  tags: TAGS,
  security: SECURITY,
  request: { params: idParams, headers: ifMatchHeaders },
  responses: {
    204: { description: 'Deleted.', headers: ETAG },
    ...problemResponses([
      ...COMMON_PROBLEMS,
      'IDENTITY_NOT_FOUND',
      'CONCURRENT_UPDATE',
      'VERSION_CONFLICT',
      'LOG_UNAVAILABLE',
    ]),
  },
});

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'health',
  summary: 'Liveness; needs no token',
  tags: ['Operations'],
  responses: {
    200: {
      description: 'The process answers.',
      content: { [JSON_TYPE]: { schema: z.object({ status: z.literal('ok') }) } },
    },
  },
});

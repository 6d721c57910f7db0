import { createRoute, z } from '@hono/zod-openapi';
import type { ContactSubObjectKind } from '@ri/events';
import { BEARER_SCHEME } from '../contract/identity-routes.ts';
import { COMMON_PROBLEMS, problemResponses } from '../contract/problem-schemas.ts';
import { readQuerySchema } from '../queries/query-schemas.ts';
import {
  contactPageSchema,
  contactSchema,
  SUBOBJECT_KINDS,
  subObjectPutSchema,
  SUBOBJECT_SCHEMAS,
} from './contact-schemas.ts';

const TAGS = ['Contacts'];
const SECURITY = [{ [BEARER_SCHEME]: [] }];
const JSON_TYPE = 'application/json';
const BODY_PROBLEMS = ['MALFORMED_JSON', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const;

const text = { schema: { type: 'string' } } as const;
const ETAG = { ETag: { description: "The contact's quoted `sequence`.", ...text } } as const;
const POSITION = {
  'Read-Model-Position': { description: 'The stream sequence the read model stands at.', ...text },
} as const;

export const CONTACTS_PATH = '/v1/contacts';
export const CONTACT_PATH = `${CONTACTS_PATH}/{contact_id}`;

const contactIdParam = z.string().openapi({
  param: { name: 'contact_id', in: 'path' },
  description: "`me`, or the caller's own contact id; any other id answers 404.",
  examples: ['me'],
});

export const listContactsRoute = createRoute({
  method: 'get',
  path: CONTACTS_PATH,
  operationId: 'listContacts',
  summary: "The caller's contacts: their own, once created",
  tags: TAGS,
  security: SECURITY,
  request: { query: readQuerySchema },
  responses: {
    200: {
      description: 'The contacts.',
      headers: POSITION,
      content: { [JSON_TYPE]: { schema: contactPageSchema } },
    },
    ...problemResponses([...COMMON_PROBLEMS, 'VALIDATION_FAILED', 'READ_MODEL_UNAVAILABLE']),
  },
});

export const createContactRoute = createRoute({
  method: 'post',
  path: CONTACTS_PATH,
  operationId: 'createContact',
  summary: "Creates the caller's contact, without sub-objects",
  description: 'A PUT of a sub-object creates the contact too; this is for an empty one.',
  tags: TAGS,
  security: SECURITY,
  responses: {
    201: {
      description: 'Created; the representation comes from the event log.',
      headers: { ...ETAG, Location: { description: "The contact's URL.", ...text } },
      content: { [JSON_TYPE]: { schema: contactSchema } },
    },
    ...problemResponses([
      ...COMMON_PROBLEMS,
      'CONTACT_EXISTS',
      'CONCURRENT_UPDATE',
      'LOG_UNAVAILABLE',
    ]),
  },
});

export const getContactRoute = createRoute({
  method: 'get',
  path: CONTACT_PATH,
  operationId: 'getContact',
  summary: "The caller's contact with its emails, ims and social identities",
  tags: TAGS,
  security: SECURITY,
  request: { params: z.object({ contact_id: contactIdParam }), query: readQuerySchema },
  responses: {
    200: {
      description: 'The contact, from the read model.',
      headers: { ...ETAG, ...POSITION },
      content: { [JSON_TYPE]: { schema: contactSchema } },
    },
    ...problemResponses([
      ...COMMON_PROBLEMS,
      'CONTACT_NOT_FOUND',
      'VALIDATION_FAILED',
      'READ_MODEL_UNAVAILABLE',
    ]),
  },
});

/** One sub-object's path in OpenAPI's form: `/v1/contacts/{contact_id}/emails/{email_id}`. */
export function subObjectPath(kind: ContactSubObjectKind): string {
  const { collection, idField } = SUBOBJECT_KINDS[kind];
  return `${CONTACT_PATH}/${collection}/{${idField}}`;
}

function subObjectParams(kind: ContactSubObjectKind) {
  const { idField } = SUBOBJECT_KINDS[kind];
  return z.object({
    contact_id: contactIdParam,
    [idField]: z.string().openapi({
      param: { name: idField, in: 'path' },
      description: 'Chosen by the client: 1 to 200 of A-Z a-z 0-9 . _ ~ @ + -',
    }),
  });
}

export function putSubObjectRoute<K extends ContactSubObjectKind>(kind: K) {
  const schema = SUBOBJECT_SCHEMAS[kind];
  return createRoute({
    method: 'put',
    path: subObjectPath(kind),
    operationId: `put${pascal(kind)}`,
    summary: `Adds or replaces one ${kind} of the caller's contact`,
    description:
      'Creates the contact on first use. A changed `provider` is given to every remote ' +
      'identity created on this sub-object (`RemoteIdentityProviderChanged`).',
    tags: TAGS,
    security: SECURITY,
    request: {
      params: subObjectParams(kind),
      body: { required: true, content: { [JSON_TYPE]: { schema: subObjectPutSchema(kind) } } },
    },
    responses: {
      200: {
        description: 'Replaced.',
        headers: ETAG,
        content: { [JSON_TYPE]: { schema } },
      },
      201: {
        description: 'Added.',
        headers: ETAG,
        content: { [JSON_TYPE]: { schema } },
      },
      ...problemResponses([
        ...COMMON_PROBLEMS,
        ...BODY_PROBLEMS,
        'CONTACT_NOT_FOUND',
        'VALIDATION_FAILED',
        'CONCURRENT_UPDATE',
        'LOG_UNAVAILABLE',
      ]),
    },
  });
}

export function deleteSubObjectRoute(kind: ContactSubObjectKind) {
  return createRoute({
    method: 'delete',
    path: subObjectPath(kind),
    operationId: `delete${pascal(kind)}`,
    summary: `Removes one ${kind} of the caller's contact`,
    description: 'Refused while a remote identity registered on it exists: delete those first.',
    tags: TAGS,
    security: SECURITY,
    request: { params: subObjectParams(kind) },
    responses: {
      204: { description: 'Removed.', headers: ETAG },
      ...problemResponses([
        ...COMMON_PROBLEMS,
        'CONTACT_NOT_FOUND',
        'SUBOBJECT_NOT_FOUND',
        'SUBOBJECT_IN_USE',
        'CONCURRENT_UPDATE',
        'LOG_UNAVAILABLE',
      ]),
    },
  });
}

function pascal(kind: string): string {
  return kind.replace(/(^|_)([a-z])/g, (_match, _sep: string, letter: string) =>
    letter.toUpperCase(),
  );
}

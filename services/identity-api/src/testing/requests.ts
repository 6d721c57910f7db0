import type { RemoteIdentityRepresentation } from '../representation/remote-identity.ts';

/** Valid params for registering an identity, with a password easy to search for. */
export const PASSWORD = 'pl41ntext-Secret-7f3e';

export const EMAIL_PARAMS = {
  login: 'alice@example.org',
  password: PASSWORD,
  mail_protocol: 'IMAP',
  incomming_mail_server: 'imap.example.org',
  mail_port: '993',
  fetch_method: 'from_beginning',
};

let registrations = 0;

/**
 * A valid registration body. Each has a login of its own unless `params` is given, since a user
 * cannot register the same login on the same server twice (409 IDENTITY_DUPLICATE).
 */
export function registration(overrides: Record<string, unknown> = {}) {
  registrations += 1;
  return {
    identity_type: 'email',
    identity_id: 'alice@example.org',
    params: { ...EMAIL_PARAMS, login: `alice+${registrations}@example.org` },
    ...overrides,
  };
}

/** The answer's problem document, after checking that it is one. */
export async function problemOf(response: Response): Promise<Record<string, unknown>> {
  const contentType = response.headers.get('content-type');
  if (contentType !== 'application/problem+json') {
    throw new Error(`expected a problem, got ${response.status} ${contentType}`);
  }
  return (await response.json()) as Record<string, unknown>;
}

/** A copy of `record` without `key`, to send a body that lacks a field. */
export function withoutKey(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

/** The answer's JSON body as a representation (tests check the shape themselves). */
export async function representationOf(response: Response): Promise<RemoteIdentityRepresentation> {
  return (await response.json()) as RemoteIdentityRepresentation;
}

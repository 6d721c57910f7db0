import type { ApiHarness } from './api-harness.ts';

export interface ContactEmailFixture {
  /** Whose contact; `alice` by default, as in `harness.call`. */
  as?: string;
  /** The sub-object's id, the `identity_id` of identities created on it. */
  emailId?: string;
  /** Fields of the sub-object; a generic (provider null) primary address by default. */
  email?: Record<string, unknown>;
}

/**
 * Puts an email sub-object on the caller's contact, as a client does before registering an
 * identity on it, and answers its id. `alice@example.org` by default, the `identity_id` of
 * `registration()`.
 */
export async function putContactEmail(
  harness: Pick<ApiHarness, 'call'>,
  { as = 'alice', emailId = 'alice@example.org', email = {} }: ContactEmailFixture = {},
): Promise<string> {
  const response = await harness.call('PUT', `/v1/contacts/me/emails/${emailId}`, {
    as,
    json: { email: { address: 'alice@example.org', is_primary: true, ...email } },
  });
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(
      `PUT of email ${emailId} answered ${response.status}: ${await response.text()}`,
    );
  }
  return emailId;
}

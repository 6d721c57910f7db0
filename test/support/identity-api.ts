import { expect } from 'vitest';
import { createEmailSubObject, type ApiAnswer, type TestSystem } from './system.ts';

/** Creates an email identity for `userId` through the API and asks for its connection. */
export async function createConnectedIdentity(
  system: TestSystem,
  userId: string,
  params: Record<string, unknown>,
): Promise<string> {
  const created = await system.call(userId, 'POST', '/v1/remote-identities', {
    identity_type: 'email',
    identity_id: await createEmailSubObject(system, userId),
    params,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.remote_identity_id as string;
  await requireConnection(system, userId, id, true);
  return id;
}

/** Sets `connection_required` through the API, as a user's client would. */
export async function requireConnection(
  system: TestSystem,
  userId: string,
  id: string,
  required: boolean,
): Promise<void> {
  const answer = await system.call(userId, 'PATCH', `/v1/remote-identities/${id}`, {
    connection_required: required,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
}

export function readIdentity(system: TestSystem, userId: string, id: string): Promise<ApiAnswer> {
  return system.call(userId, 'GET', `/v1/remote-identities/${id}`);
}

import { createHash } from 'node:crypto';
import type { EmailParams } from '@ri/events';

/**
 * The key under which a user's login on a server is reserved: one user cannot register the
 * same login on the same host and port twice. Host names are case-insensitive (and a trailing
 * dot names the same host); logins are compared as given, since servers differ on their case.
 * Hashed, because a KV key allows few characters and a login may hold any.
 */
export function loginKey(
  userId: string,
  {
    login,
    incomming_mail_server,
    mail_port,
  }: Pick<EmailParams, 'login' | 'incomming_mail_server' | 'mail_port'>,
): string {
  const host = incomming_mail_server.trim().toLowerCase().replace(/\.$/, '');
  const identity = JSON.stringify([userId, host, mail_port, login]);
  return createHash('sha256').update(identity).digest('hex');
}

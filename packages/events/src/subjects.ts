/**
 * Where everything lives in NATS. A namespace lets several deployments (staging beside
 * production, or one test run beside another) share a NATS cluster without seeing each
 * other's streams, consumers or buckets; the empty namespace gives the plain names.
 */
export interface Topology {
  namespace: string;
  identityStream: string;
  /** Matches every identity's subject. */
  identityFilter: string;
  /** One subject per identity, so that an append can demand the identity's last sequence. */
  identitySubject(remoteIdentityId: string): string;
  /**
   * Matches every contact's subject. Contacts live in the identity stream, so that the
   * projection reads contact and identity events in one order under one checkpoint.
   */
  contactFilter: string;
  /** One subject per contact, for the same optimistic appends as an identity's. */
  contactSubject(contactId: string): string;
  mailStream: string;
  mailFilter: string;
  mailSubject(remoteIdentityId: string): string;
  /** Changes of flags on mail published before, in the mail stream beside the mail itself. */
  flagsFilter: string;
  flagsSubject(remoteIdentityId: string): string;
  /** Object store bucket for mail bodies too large for one message. */
  mailBlobBucket: string;
  /** Parsed summaries of the mail stream's messages, for services that need no raw MIME. */
  summaryStream: string;
  summaryFilter: string;
  summarySubject(remoteIdentityId: string): string;
  /** The name of a service's own KV bucket in this namespace. */
  bucket(name: string): string;
}

const NAMESPACE = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function topology(namespace = ''): Topology {
  if (namespace !== '' && !NAMESPACE.test(namespace)) {
    throw new Error(`namespace ${namespace} must match ${NAMESPACE}`);
  }
  const subject = namespace ? `${namespace}.ri` : 'ri';
  const stream = (name: string) =>
    namespace ? `${namespace.toUpperCase().replaceAll('-', '_')}_${name}` : name;
  const bucket = (name: string) => (namespace ? `${namespace}-${name}` : name);
  return {
    namespace,
    identityStream: stream('REMOTE_IDENTITIES'),
    identityFilter: `${subject}.identity.*`,
    identitySubject: (id) => `${subject}.identity.${id}`,
    contactFilter: `${subject}.contact.*`,
    contactSubject: (id) => `${subject}.contact.${id}`,
    mailStream: stream('REMOTE_MAIL'),
    mailFilter: `${subject}.mail.*`,
    mailSubject: (id) => `${subject}.mail.${id}`,
    flagsFilter: `${subject}.flags.*`,
    flagsSubject: (id) => `${subject}.flags.${id}`,
    mailBlobBucket: bucket('remote-mail-blobs'),
    summaryStream: stream('REMOTE_MAIL_SUMMARIES'),
    summaryFilter: `${subject}.summary.*`,
    summarySubject: (id) => `${subject}.summary.${id}`,
    bucket,
  };
}

export const DEFAULT_TOPOLOGY = topology();

/** Headers on every published mail message. */
export const MAIL_HEADERS = {
  identity: 'Ri-Identity-Id',
  mailbox: 'Ri-Mailbox',
  uidValidity: 'Ri-Uid-Validity',
  uid: 'Ri-Uid',
  size: 'Ri-Size',
  flags: 'Ri-Flags',
  /** POP3 only: the server's unique id of the message, stable across sessions (UIDL). */
  uidl: 'Ri-Uidl',
  /** Present when the body is in the object store instead of the message payload. */
  blob: 'Ri-Blob',
  /**
   * SHA-256 of the raw message, hex: how a mailbox gone through again after its UIDVALIDITY
   * changed recognises what it published already. Absent on mail of earlier releases.
   */
  sha256: 'Ri-Content-Sha256',
} as const;

/** Where a published mail message is in its mailbox: what names it across republications. */
export interface MailPlace {
  identityId: string;
  mailbox: string;
  uidValidity: string;
  uid: number;
  /** POP3 only; it then names the message instead of its number, which changes. */
  uidl?: string;
}

/**
 * The message id of a mail message in the mail stream, and of its summary in the summary
 * stream, so that either stream drops a republication within its duplicate window.
 */
export function mailMessageId(mail: MailPlace): string {
  if (mail.uidl !== undefined) return `${mail.identityId}/POP3/${encodeURIComponent(mail.uidl)}`;
  return `${mail.identityId}/${encodeURIComponent(mail.mailbox)}/${mail.uidValidity}/${mail.uid}`;
}

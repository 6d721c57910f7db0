/** Names of the JetStream streams and subjects, shared by every service. */
export const IDENTITY_STREAM = 'REMOTE_IDENTITIES';
export const IDENTITY_SUBJECT_PREFIX = 'ri.identity';
export const MAIL_STREAM = 'REMOTE_MAIL';
export const MAIL_SUBJECT_PREFIX = 'ri.mail';
export const MAIL_BLOB_BUCKET = 'remote-mail-blobs';

/** One subject per identity, so that an append can demand the identity's last sequence. */
export function identitySubject(remoteIdentityId: string): string {
  return `${IDENTITY_SUBJECT_PREFIX}.${remoteIdentityId}`;
}

export function mailSubject(remoteIdentityId: string): string {
  return `${MAIL_SUBJECT_PREFIX}.${remoteIdentityId}`;
}

/** Headers on every published mail message. */
export const MAIL_HEADERS = {
  identity: 'Ri-Identity-Id',
  mailbox: 'Ri-Mailbox',
  uidValidity: 'Ri-Uid-Validity',
  uid: 'Ri-Uid',
  size: 'Ri-Size',
  /** Present when the body is in the object store instead of the message payload. */
  blob: 'Ri-Blob',
} as const;

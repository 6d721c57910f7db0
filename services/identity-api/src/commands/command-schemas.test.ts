import { describe, expect, it } from 'vitest';
import { ApiError } from '../problems/api-error.ts';
import { withoutKey } from '../testing/requests.ts';
import { parseCreateCommand, parseUpdateCommand } from './command-schemas.ts';

const VALID_PARAMS = {
  login: 'alice@example.org',
  password: 'correct horse',
  mail_protocol: 'IMAP',
  incomming_mail_server: 'imap.example.org',
  mail_port: 993,
  fetch_method: 'from_now',
};

function createBody(params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    identity_type: 'email',
    identity_id: 'alice@example.org',
    params: { ...VALID_PARAMS, ...params },
    ...extra,
  };
}

function failure(parse: () => unknown): ApiError {
  try {
    parse();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected the input to be refused');
}

describe('parseCreateCommand', () => {
  it('keeps the password apart from the params and stores the port as a number', () => {
    const command = parseCreateCommand(createBody({ mail_port: '143' }));
    expect(command.password).toBe('correct horse');
    expect(command.params).toStrictEqual({
      login: 'alice@example.org',
      mail_protocol: 'IMAP',
      incomming_mail_server: 'imap.example.org',
      mail_port: 143,
      fetch_method: 'from_now',
    });
    expect(command.connection_required).toBe(false);
  });

  it('accepts a polling interval from a minute to a day, in seconds', () => {
    expect(parseCreateCommand(createBody({ polling_interval: '600' })).params).toMatchObject({
      polling_interval: 600,
    });
    for (const bad of [59, 86_401, 1.5, 'soon']) {
      const error = failure(() => parseCreateCommand(createBody({ polling_interval: bad })));
      expect(error.errors?.map((e) => e.path)).toEqual(['/params/polling_interval']);
    }
  });

  it('rejects a server given as a URL, with a port or a user part', () => {
    for (const server of ['imap://a.example', 'a.example:993', 'u@a.example', 'a..example']) {
      const error = failure(() =>
        parseCreateCommand(createBody({ incomming_mail_server: server })),
      );
      expect(error.errors?.map((e) => e.path)).toEqual(['/params/incomming_mail_server']);
    }
    for (const server of ['imap.example.org', '203.0.113.7', '2001:db8::1']) {
      expect(
        parseCreateCommand(createBody({ incomming_mail_server: server })).params,
      ).toMatchObject({ incomming_mail_server: server });
    }
  });

  it('accepts incoming_mail_server and stores it under the design spelling', () => {
    const params = withoutKey(VALID_PARAMS, 'incomming_mail_server');
    const command = parseCreateCommand({
      ...createBody(),
      params: { ...params, incoming_mail_server: 'mail.example.org' },
    });
    expect(command.params.incomming_mail_server).toBe('mail.example.org');
    expect(command.params).not.toHaveProperty('incoming_mail_server');
  });

  it('refuses both spellings of the server at once', () => {
    const error = failure(() =>
      parseCreateCommand(createBody({ incoming_mail_server: 'other.example.org' })),
    );
    expect(error.errors).toEqual([
      { path: '/params/incoming_mail_server', message: expect.stringMatching(/not both/) },
    ]);
  });

  it.each([0, 70000, 'abc', 993.5, '-1', null])('rejects the port %j', (port) => {
    const error = failure(() => parseCreateCommand(createBody({ mail_port: port })));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.errors).toEqual([
      { path: '/params/mail_port', message: expect.stringMatching(/1 to 65535/) },
    ]);
  });

  it('rejects an unknown key in params and in the body, naming each', () => {
    const error = failure(() => parseCreateCommand(createBody({ smtp: 'x' }, { color: 'red' })));
    expect(error.errors).toEqual(
      expect.arrayContaining([
        { path: '/params/smtp', message: 'is not a known field' },
        { path: '/color', message: 'is not a known field' },
      ]),
    );
  });

  it('reports a missing password as required', () => {
    const params = withoutKey(VALID_PARAMS, 'password');
    const error = failure(() => parseCreateCommand({ ...createBody(), params }));
    expect(error.errors).toEqual([{ path: '/params/password', message: 'is required' }]);
  });

  it('reports every offending field at once', () => {
    const error = failure(() =>
      parseCreateCommand(createBody({ mail_protocol: 'SMTP', fetch_method: 'sometimes' })),
    );
    expect(error.errors?.map((e) => e.path)).toEqual([
      '/params/mail_protocol',
      '/params/fetch_method',
    ]);
  });

  it('accepts im and social_identity, which name contact sub-objects as email does', () => {
    for (const type of ['im', 'social_identity']) {
      expect(parseCreateCommand(createBody({}, { identity_type: type })).identity_type).toBe(type);
    }
  });

  it('rejects a body that is not an object', () => {
    expect(failure(() => parseCreateCommand([])).code).toBe('VALIDATION_FAILED');
    expect(failure(() => parseCreateCommand('x')).code).toBe('VALIDATION_FAILED');
  });
});

describe('parseUpdateCommand', () => {
  it('keeps only the fields that were sent', () => {
    expect(parseUpdateCommand({ params: { mail_port: '143' } })).toEqual({
      params: { mail_port: 143 },
    });
    expect(parseUpdateCommand({ connection_required: false })).toEqual({
      connection_required: false,
    });
  });

  it('separates a new password from the params', () => {
    expect(parseUpdateCommand({ params: { password: 'new one' } })).toEqual({
      password: 'new one',
    });
  });

  it('rejects unknown keys and values of the wrong type', () => {
    const error = failure(() =>
      parseUpdateCommand({ cancel_fetch_required: 'yes', params: { user: 'x' } }),
    );
    expect(error.errors?.map((e) => e.path)).toEqual(['/cancel_fetch_required', '/params/user']);
  });
});

describe('text fields', () => {
  it('rejects control characters that the read model could not store', () => {
    const error = failure(() =>
      parseCreateCommand(createBody({ login: 'a\u0000b' }, { identity_id: 'x\ny' })),
    );
    expect(error.errors?.map((e) => e.path)).toEqual(['/identity_id', '/params/login']);
  });

  it('rejects a lone surrogate, which PostgreSQL cannot store either', () => {
    const error = failure(() => parseCreateCommand(createBody({ login: 'a\ud800b' })));
    expect(error.errors).toEqual([
      { path: '/params/login', message: 'must be well-formed Unicode' },
    ]);
  });

  it('accepts any character in a password, which is sealed before storage', () => {
    expect(parseCreateCommand(createBody({ password: 'p\u0000ss\n' })).password).toBe(
      'p\u0000ss\n',
    );
  });
});

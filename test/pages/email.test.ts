/**
 * The SMTP transport against a real SMTP server (smtp-server), messages read back with mailparser.
 */
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmtpTransport, type SmtpEmailTransport } from '../../src/pages/email.js';
import { ProviderError, type EmailMessage } from '../../src/pages/types.js';

const USER = 'hark-mailer';
/** Has every character that needs URL encoding, and is distinctive enough to grep for. */
const PASSWORD = 'S3cr3t/p@ss:w%rd#?&Zq';
const PASSWORD_IN_URL = encodeURIComponent(PASSWORD);
const FROM = 'Hark <hark@example.com>';

interface Received {
  readonly mail: ParsedMail;
  readonly envelopeFrom: string | null;
  readonly envelopeTo: string[];
  readonly user: string | null;
}

interface TestSmtp {
  readonly port: number;
  readonly received: Received[];
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function replyError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

/**
 * A real SMTP server on a free port. No STARTTLS (the built-in certificate is self-signed);
 * with `auth`, it requires USER / PASSWORD. Recipients at reject.example.com get `550`,
 * at later.example.com `451`; a subject containing "refuse-data" gets `554` after DATA.
 */
async function startSmtp(opts: { auth: boolean; secure?: boolean }): Promise<TestSmtp> {
  const received: Received[] = [];
  const options: SMTPServerOptions = {
    logger: false,
    secure: opts.secure ?? false,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(replyError(535, 'Authentication credentials invalid'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@reject.example.com')) callback(replyError(550, 'No such user here'));
      else if (address.address.endsWith('@later.example.com')) callback(replyError(451, 'Try again later'));
      else callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (mail.subject?.includes('refuse-data')) return callback(replyError(554, 'Message refused'));
          received.push({
            mail,
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : null,
          });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  cleanups.push(close);
  return { port, received, close };
}

function track(t: SmtpEmailTransport): SmtpEmailTransport {
  cleanups.push(() => t.close());
  return t;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and never says a word (no SMTP greeting). */
async function silentServer(): Promise<number> {
  const sockets = new Set<Socket>();
  const s: Server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  });
  return (s.address() as AddressInfo).port;
}

const message: EmailMessage = {
  to: 'alice@example.com',
  subject: '[SEV-1] #42 checkout: Checkout p99 > 2s — “quoted” ünïcode',
  text: 'Checkout p99 > 2s\n\nAcknowledge: https://hark.example.com/a/acknowledge?token=abc\n',
  html: '<p>Checkout p99 &gt; 2s</p><p><a href="https://hark.example.com/a/acknowledge?token=abc">Acknowledge</a></p>',
};

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a) => a.value.map((v) => v.address ?? ''));
}

async function sendError(t: SmtpEmailTransport, m: EmailMessage): Promise<ProviderError> {
  const err = await t.sendEmail(m).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

function expectNoSecret(err: ProviderError): void {
  const everything = `${err.message}\n${err.stack ?? ''}\n${JSON.stringify(err)}`;
  for (const form of [
    PASSWORD,
    PASSWORD_IN_URL,
    'S3cr3t',
    Buffer.from(`\u0000${USER}\u0000${PASSWORD}`).toString('base64'),
  ]) {
    expect(everything).not.toContain(form);
  }
}

describe('createSmtpTransport', () => {
  it('sends through a server without auth; the message parses back intact', async () => {
    const smtp = await startSmtp({ auth: false });
    const t = track(createSmtpTransport(`smtp://127.0.0.1:${smtp.port}`, FROM));
    const receipt = await t.sendEmail(message);

    expect(receipt.via).toBe('smtp');
    expect(receipt.providerId).toMatch(/^<.+@.+>$/);
    expect(smtp.received).toHaveLength(1);
    const { mail, envelopeFrom, envelopeTo, user } = smtp.received[0]!;
    expect(mail.subject).toBe(message.subject);
    expect(mail.text).toBe(message.text);
    expect(mail.html).toBe(message.html);
    expect(addresses(mail.to)).toEqual(['alice@example.com']);
    expect(addresses(mail.from)).toEqual(['hark@example.com']);
    expect(mail.from?.value[0]?.name).toBe('Hark');
    expect(mail.messageId).toBe(receipt.providerId);
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(envelopeFrom).toBe('hark@example.com');
    expect(envelopeTo).toEqual(['alice@example.com']);
    expect(user).toBeNull();
  });

  it('authenticates with the user and (URL-encoded) password of the URL', async () => {
    const smtp = await startSmtp({ auth: true });
    const t = track(createSmtpTransport(`smtp://${USER}:${PASSWORD_IN_URL}@127.0.0.1:${smtp.port}`, FROM));
    const receipt = await t.sendEmail(message);
    expect(receipt.via).toBe('smtp');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.user).toBe(USER);
    expect(smtp.received[0]!.mail.subject).toBe(message.subject);
  });

  it('sends over smtps:// (TLS from the first byte)', async () => {
    const smtp = await startSmtp({ auth: true, secure: true });
    const url = `smtps://${USER}:${PASSWORD_IN_URL}@127.0.0.1:${smtp.port}?tls.rejectUnauthorized=false`;
    const t = track(createSmtpTransport(url, FROM));
    await t.sendEmail(message);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.mail.html).toBe(message.html);
  });

  it('sends many messages at once, each on its own', async () => {
    const smtp = await startSmtp({ auth: false });
    const t = track(createSmtpTransport(`smtp://127.0.0.1:${smtp.port}`, FROM));
    const receipts = await Promise.all(
      Array.from({ length: 5 }, (_, i) => t.sendEmail({ ...message, to: `p${i}@example.com` })),
    );
    expect(new Set(receipts.map((r) => r.providerId)).size).toBe(5);
    expect(smtp.received.flatMap((r) => r.envelopeTo).sort()).toEqual([
      'p0@example.com',
      'p1@example.com',
      'p2@example.com',
      'p3@example.com',
      'p4@example.com',
    ]);
  });

  it('a wrong password is a permanent failure that does not show the password', async () => {
    const smtp = await startSmtp({ auth: true });
    const wrong = `${PASSWORD}x`;
    const t = track(
      createSmtpTransport(`smtp://${USER}:${encodeURIComponent(wrong)}@127.0.0.1:${smtp.port}`, FROM),
    );
    const err = await sendError(t, message);
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(535);
    expect(err.message).toContain('EAUTH');
    expect(err.message).toContain('535');
    expectNoSecret(err);
    expect(err.message).not.toContain(encodeURIComponent(wrong));
    expect(smtp.received).toHaveLength(0);
  });

  it('550 unknown recipient is a permanent failure', async () => {
    const smtp = await startSmtp({ auth: true });
    const t = track(createSmtpTransport(`smtp://${USER}:${PASSWORD_IN_URL}@127.0.0.1:${smtp.port}`, FROM));
    const err = await sendError(t, { ...message, to: 'nobody@reject.example.com' });
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(550);
    expect(err.message).toContain('550 No such user here');
    expectNoSecret(err);
  });

  it('554 refusing the message after DATA is a permanent failure', async () => {
    const smtp = await startSmtp({ auth: false });
    const t = track(createSmtpTransport(`smtp://127.0.0.1:${smtp.port}`, FROM));
    const err = await sendError(t, { ...message, subject: 'refuse-data please' });
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(554);
  });

  it('451 try again later is retryable', async () => {
    const smtp = await startSmtp({ auth: false });
    const t = track(createSmtpTransport(`smtp://127.0.0.1:${smtp.port}`, FROM));
    const err = await sendError(t, { ...message, to: 'alice@later.example.com' });
    expect(err.retryable).toBe(true);
    expect(err.status).toBe(451);
    expect(err.message).toContain('451 Try again later');
  });

  it('connection refused is retryable and does not show the password', async () => {
    const port = await closedPort();
    const t = track(createSmtpTransport(`smtp://${USER}:${PASSWORD_IN_URL}@127.0.0.1:${port}`, FROM));
    const err = await sendError(t, message);
    expect(err.retryable).toBe(true);
    expect(err.status).toBeNull();
    expect(err.message).toMatch(/ECONNREFUSED/);
    expectNoSecret(err);
  });

  it('a server that never greets times out, retryably', async () => {
    const port = await silentServer();
    const t = track(
      createSmtpTransport(`smtp://${USER}:${PASSWORD_IN_URL}@127.0.0.1:${port}`, FROM, {
        greetingTimeoutMs: 200,
      }),
    );
    const started = Date.now();
    const err = await sendError(t, message);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err.retryable).toBe(true);
    expect(err.status).toBeNull();
    expect(err.message).toContain('ETIMEDOUT');
    expectNoSecret(err);
  });

  it('refuses a URL that is not smtp:// or smtps:// without repeating it', () => {
    for (const url of [
      `http://${USER}:${PASSWORD_IN_URL}@example.com`,
      `${USER}:${PASSWORD_IN_URL}@nowhere`,
      '',
    ]) {
      let thrown: unknown = null;
      try {
        createSmtpTransport(url, FROM);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(Error);
      const text = String((thrown as Error).message);
      expect(text).toMatch(/SMTP_URL/);
      expect(text).not.toContain(PASSWORD_IN_URL);
      expect(text).not.toContain(PASSWORD);
    }
    expect(() => createSmtpTransport('smtp://127.0.0.1:25', ' ')).toThrow(/SMTP_FROM/);
  });

  it('close() waits for sends in flight, then refuses new ones', async () => {
    const smtp = await startSmtp({ auth: false });
    const t = createSmtpTransport(`smtp://127.0.0.1:${smtp.port}`, FROM);
    const sending = t.sendEmail(message);
    await t.close();
    expect(smtp.received).toHaveLength(1);
    await expect(sending).resolves.toMatchObject({ via: 'smtp' });
    const err = await sendError(t, message);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/closed/);
  });
});

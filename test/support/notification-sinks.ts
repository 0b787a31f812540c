// Where notifications land in tests: a real SMTP server and a Standard Webhooks receiver, each in this
// process on a free port, keeping what arrives for the test to read.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerOptions } from 'smtp-server';
import { Webhook } from 'standardwebhooks';

export type ReceivedMail = { mailFrom: string; rcptTo: string[]; mail: ParsedMail };

/**
 * An SMTP server (smtp-server) that takes any mail without TLS or login and parses it with mailparser.
 * `options` override its defaults, for a test that wants recipients or logins refused.
 */
export const startSmtpSink = async (options: SMTPServerOptions = {}) => {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        const { mailFrom, rcptTo } = session.envelope;
        received.push({ mailFrom: mailFrom === false ? '' : mailFrom.address, rcptTo: rcptTo.map((address) => address.address), mail });
        callback();
      }, callback);
    },
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return { port, url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;

/** One POST as it arrived, and what checking its signature found: the message, or why it was refused. */
export type WebhookDelivery = {
  method: string; headers: IncomingHttpHeaders; body: string;
  verified: boolean; message: Record<string, unknown> | null; problem: string | null;
};

/** The headers as `Webhook.verify` takes them: one string each, leaving out those Node gives as a list (set-cookie). */
export const headersOf = (delivery: Pick<WebhookDelivery, 'headers'>): Record<string, string> =>
  Object.fromEntries(Object.entries(delivery.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));

export type WebhookSinkOptions = {
  /** The status every delivery is answered with; anything but 2xx refuses it (with a short body, as real receivers do). */
  status?: number;
  headers?: Record<string, string>;
  /** How long the answer waits; `Infinity` never answers, so a delivery to it hangs. */
  answerAfterMs?: number;
  /** The URL's path; a test may make it look secret, as many receivers' paths are, to check no error repeats it. */
  path?: string;
};

/** A webhook receiver (node:http) that checks each delivery's Standard Webhooks signature with `secret` as it arrives. */
export const startWebhookSink = async (secret: string, { status = 204, headers = {}, answerAfterMs = 0, path = '/hooks/trustplane' }: WebhookSinkOptions = {}) => {
  const deliveries: WebhookDelivery[] = [];
  const verifier = new Webhook(secret);
  // Slow answers still pending at close are dropped with their connections, not written to a closed server.
  const pending = new Set<NodeJS.Timeout>();
  const answer = (response: ServerResponse) => response.writeHead(status, headers).end(status >= 300 ? 'no thanks' : '');
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const arrived = { method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      try {
        deliveries.push({ ...arrived, verified: true, message: verifier.verify(arrived.body, headersOf(arrived)) as Record<string, unknown>, problem: null });
      } catch (error) {
        deliveries.push({ ...arrived, verified: false, message: null, problem: error instanceof Error ? error.message : String(error) });
      }
      if (answerAfterMs === 0) {
        answer(response);
      } else if (Number.isFinite(answerAfterMs)) {
        const timer = setTimeout(() => { pending.delete(timer); answer(response); }, answerAfterMs);
        pending.add(timer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${path}`, origin, deliveries,
    events: (event: string) => deliveries.filter((delivery) => delivery.message?.event === event),
    close: () => new Promise<void>((resolve) => {
      for (const timer of pending) clearTimeout(timer);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
};

export type WebhookSink = Awaited<ReturnType<typeof startWebhookSink>>;

/**
 * A daily digest time twelve hours from now (HH:MM UTC): the digest is then never due while a test runs,
 * so every email a test receives is one an alert sent.
 */
export const digestFarFromNow = (): string => new Date(Date.now() + 12 * 3_600_000).toISOString().slice(11, 16);

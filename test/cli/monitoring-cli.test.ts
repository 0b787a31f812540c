// Monitoring as an operator runs it, with real processes. Two `trustplane serve` nodes on one PostgreSQL
// elect one leader, and only it sweeps; killed, it is replaced by the other, and a node that stops cleanly
// gives the lease up. On SQLite and PostgreSQL, an alert reaches its owner by email (a real SMTP server) and
// by a Standard Webhooks POST whose signature verifies, even when the server dies while delivering: the
// notifications stay in the outbox and the next server sends them, once. A monitoring setting that is not
// valid stops `serve` at start-up, naming the variable. (Escalation needs an hour's patience here; the
// in-process test test/http/alerts.test.ts drives it with an injected clock.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { locateDatabase, openDatabase } from '../../src/server/db/database.ts';
import type { Database } from '../../src/server/db/database.ts';
import { demoGovernance } from '../../src/server/demo/demo-governance.ts';
import { cliPath, databaseEnvFor, fullTokensFor, initDataDir, runCli } from '../support/cli-runner.ts';
import type { CliResult } from '../support/cli-runner.ts';
import { databaseTargets } from '../support/databases.ts';
import { digestFarFromNow, startSmtpSink, startWebhookSink } from '../support/notification-sinks.ts';
import type { SmtpSink, WebhookSink } from '../support/notification-sinks.ts';
import { isRunning, killHard, trackedProcesses, waitFor } from '../support/processes.ts';
import type { Served } from '../support/processes.ts';

const day = 86_400_000;
const daveEmail = 'dave.kim@acme.example';

/** Every process this file starts, so that `after` can end those a failing test left running. */
const { serve, track, killAll } = trackedProcesses();

/** Runs `trustplane serve` expecting it to refuse to start; fails if it is still up after the deadline. */
const serveExpectingRefusal = (dataDir: string, env: NodeJS.ProcessEnv, deadlineMs = 20_000): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'silent'], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => {
      void killHard(child).then(() => reject(new Error(`trustplane serve was still running after ${deadlineMs / 1000} s: ${stdout}${stderr}`)));
    }, deadlineMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

/** `trustplane init`, then the demo governance applied through a running server. */
const applyDemoGovernance = async (dir: string, env: NodeJS.ProcessEnv): Promise<void> => {
  const file = join(dir, 'governance.yaml');
  writeFileSync(file, demoGovernance(new Date()));
  const applied = await runCli(['apply', '-f', file], env);
  assert.equal(applied.code, 0, applied.stderr);
};

const cliJson = async (args: readonly string[], env: NodeJS.ProcessEnv) => {
  const result = await runCli([...args, '--json'], env);
  assert.equal(result.code, 0, `${args.join(' ')} exited with ${result.code}: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout);
};

type SweepEntry = { seq: number; at: string; node: string };

/** The sweeps the scheduler ran, as the audit log records them (oldest first). */
const scheduledSweeps = async (database: Database): Promise<SweepEntry[]> => {
  const rows = await database.db.selectFrom('audit_events').select(['seq', 'at', 'details'])
    .where('action', '=', 'alerts.sweep').where('actor', '=', 'system:monitor').orderBy('seq').execute();
  return rows.map((row) => ({ seq: Number(row.seq), at: row.at, node: String((JSON.parse(row.details) as { node?: unknown }).node) }));
};

/** A node id is `${hostname}:${pid}:${hex}`. */
const pidOfNode = (node: string): number => Number(node.split(':')[1]);

describe('two nodes on one PostgreSQL: one leader sweeps, the other takes over when it dies', { timeout: 120_000 }, () => {
  const postgres = databaseTargets.find((target) => target.name === 'postgresql')!;
  let empty: Awaited<ReturnType<typeof postgres.createEmpty>>;
  let database: Database;
  const nodes: Served[] = [];
  let bothUpAt = '';

  before(async () => {
    empty = await postgres.createEmpty();
    const databaseEnv = databaseEnvFor(empty.location);
    const schedulerEnv = { ...databaseEnv, TRUSTPLANE_SCHEDULER_TICK: '300ms', TRUSTPLANE_MONITOR_EVERY: '1s', TRUSTPLANE_DIGEST_AT: digestFarFromNow() };
    const [firstDir, secondDir] = [join(empty.dataDir, 'node-1'), join(empty.dataDir, 'node-2')];
    const token = await initDataDir(firstDir, databaseEnv);
    nodes.push(await serve(firstDir, schedulerEnv));
    await applyDemoGovernance(empty.dataDir, { ...databaseEnv, TRUSTPLANE_URL: nodes[0]!.url, TRUSTPLANE_TOKEN: token });
    // The second node has a directory of its own and the first's master key through the environment, as
    // docs/operations.md has nodes that share PostgreSQL share the key. `init` refuses a database initialised
    // before, so its directory gets the marker `init` wrote for the first.
    mkdirSync(secondDir, { mode: 0o700 });
    copyFileSync(join(firstDir, 'trustplane.json'), join(secondDir, 'trustplane.json'));
    const masterKey = readFileSync(join(firstDir, 'master.key'), 'utf8').trim();
    nodes.push(await serve(secondDir, { ...schedulerEnv, TRUSTPLANE_MASTER_KEY: masterKey }));
    bothUpAt = new Date().toISOString();
    database = await openDatabase(empty.location);
  });
  after(async () => {
    await killAll();
    await database?.close();
    await empty?.drop();
  });

  test('only the leader sweeps, one of the two processes, once a second', async () => {
    const sweeps = await waitFor('three scheduled sweeps while both nodes run', async () => {
      const found = await scheduledSweeps(database);
      return found.filter((sweep) => sweep.at > bothUpAt).length >= 3 ? found : undefined;
    }, 20_000);
    const swept = new Set(sweeps.map((sweep) => sweep.node));
    assert.equal(swept.size, 1, `every sweep is by one node: ${[...swept].join(', ')}`);
    const leader = sweeps[0]!.node;
    const pids = nodes.map((node) => node.process.pid);
    assert.ok(pids.includes(pidOfNode(leader)), `the leader ${leader} is one of the two processes (${pids.join(', ')})`);
    assert.ok(leader.includes(`:${pidOfNode(leader)}:`));
    for (const [previous, next] of sweeps.slice(1).map((sweep, index) => [sweeps[index]!, sweep] as const)) {
      assert.ok(Date.parse(next.at) - Date.parse(previous.at) >= 900, `sweeps at ${previous.at} and ${next.at} are TRUSTPLANE_MONITOR_EVERY (1s) apart`);
    }
    const lease = await database.db.selectFrom('scheduler_leases').selectAll().where('name', '=', 'leader').executeTakeFirst();
    assert.equal(lease?.holder, leader);
  });

  test('killed, the leader is replaced by the other node, and never sweeps again', async () => {
    const before_ = await scheduledSweeps(database);
    const leaderNode = before_.at(-1)!.node;
    const leader = nodes.find((node) => node.process.pid === pidOfNode(leaderNode))!;
    const survivor = nodes.find((node) => node !== leader)!;
    const killedAt = Date.now();
    await killHard(leader.process);

    const takeover = await waitFor('a sweep by the surviving node', async () => {
      const sweeps = await scheduledSweeps(database);
      const survivors = sweeps.filter((sweep) => sweep.seq > before_.at(-1)!.seq && sweep.node !== leaderNode);
      return survivors.length >= 2 ? { sweeps, survivors } : undefined;
    }, 15_000);
    const successor = takeover.survivors[0]!.node;
    assert.equal(pidOfNode(successor), survivor.process.pid, `the new leader ${successor} is the surviving process`);
    assert.ok(Date.parse(takeover.survivors[0]!.at) - killedAt < 5_000, `taken over within the lease (3 ticks) and a sweep interval: ${takeover.survivors[0]!.at}`);
    const late = takeover.sweeps.filter((sweep) => sweep.node === leaderNode && Date.parse(sweep.at) >= killedAt);
    assert.deepEqual(late, [], 'no sweep by the dead node after its death');
    assert.ok(takeover.sweeps.filter((sweep) => sweep.seq > takeover.survivors[0]!.seq).every((sweep) => sweep.node === successor), 'only the new leader sweeps after the takeover');
    const lease = await database.db.selectFrom('scheduler_leases').selectAll().where('name', '=', 'leader').executeTakeFirst();
    assert.equal(lease?.holder, successor);
  });

  test('stopped with SIGTERM, the last node gives the lease up', async () => {
    const survivor = nodes.find((node) => isRunning(node.process))!;
    await survivor.stop();
    assert.equal(survivor.process.exitCode, 0, 'a clean stop exits 0');
    const lease = await database.db.selectFrom('scheduler_leases').selectAll().where('name', '=', 'leader').executeTakeFirst();
    assert.equal(lease, undefined, `the leader lease is given up on stop, not left to lapse: ${JSON.stringify(lease)}`);
  });
});

/** An "SMTP server" that accepts connections and never says a word: a delivery to it hangs. */
const startSilentSmtpServer = async () => {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  let connections = 0;
  server.on('connection', () => { connections += 1; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`, connections: () => connections,
    close: () => new Promise<void>((resolve) => { for (const socket of sockets) socket.destroy(); server.close(() => resolve()); }),
  };
};

type AlertView = { id: string; type: string; target: string; severity: string; state: string; summary: string; recipients: string[]; acknowledgedBy: string | null };
type OutboxRow = { seq: number; topic: string; payload: string; delivered_at: string | null; attempts: number; next_attempt_at: string | null; last_error: string | null };

for (const target of databaseTargets) {
  describe(`alerts reach their owners by email and webhook, even across a crash, on ${target.name}`, { timeout: 120_000 }, () => {
    let empty: Awaited<ReturnType<typeof target.createEmpty>>;
    let database: Database;
    let dataDir: string;
    let databaseEnv: NodeJS.ProcessEnv;
    let bootstrap: string;
    let daveToken: string;
    let smtp: SmtpSink;
    let receiver: WebhookSink;
    let silentSmtp: Awaited<ReturnType<typeof startSilentSmtpServer>>;
    let silentReceiver: WebhookSink;
    let server: Served;
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const from = 'Trustplane <trustplane@acme.example>';
    const notifyEnv = (): NodeJS.ProcessEnv => ({
      ...databaseEnv, TRUSTPLANE_SMTP_FROM: from, TRUSTPLANE_WEBHOOK_SECRET: secret, TRUSTPLANE_SCHEDULER_TICK: '300ms', TRUSTPLANE_DIGEST_AT: digestFarFromNow(),
    });
    const as = (token: string): NodeJS.ProcessEnv => ({ ...databaseEnv, TRUSTPLANE_URL: server.url, TRUSTPLANE_TOKEN: token });
    const notifications = (): Promise<OutboxRow[]> => database.db.selectFrom('outbox')
      .select(['seq', 'topic', 'payload', 'delivered_at', 'attempts', 'next_attempt_at', 'last_error'])
      .where('topic', 'in', ['notify.email', 'notify.webhook']).orderBy('seq').execute()
      .then((rows) => rows.map((row) => ({ ...row, seq: Number(row.seq), attempts: Number(row.attempts) })));
    const soonAlerts = async (): Promise<AlertView[]> =>
      ((await cliJson(['alerts', 'list', '--state', 'open,acknowledged,resolved'], as(bootstrap))) as { items: AlertView[] }).items
        .filter((alert) => alert.summary.includes('soon-1.svc.acme.internal'));

    before(async () => {
      empty = await target.createEmpty();
      databaseEnv = databaseEnvFor(empty.location);
      dataDir = join(empty.dataDir, 'data');
      bootstrap = await initDataDir(dataDir, databaseEnv);
      database = await openDatabase(locateDatabase(dataDir, databaseEnv.TRUSTPLANE_DATABASE_URL));
      [smtp, receiver, silentSmtp, silentReceiver] = await Promise.all([startSmtpSink(), startWebhookSink(secret), startSilentSmtpServer(), startWebhookSink(secret, { answerAfterMs: Infinity })]);
    });
    after(async () => {
      await killAll();
      await Promise.all([smtp?.close(), receiver?.close(), silentSmtp?.close(), silentReceiver?.close()]);
      await database?.close();
      await empty?.drop();
    });

    test('a server killed while delivering an alert\'s notifications leaves them in the outbox', async () => {
      server = await serve(dataDir, {
        ...notifyEnv(), TRUSTPLANE_SMTP_URL: silentSmtp.url, TRUSTPLANE_WEBHOOK_URLS: silentReceiver.url, TRUSTPLANE_OUTBOX_LEASE: '8s',
      });
      await applyDemoGovernance(empty.dataDir, as(bootstrap));
      daveToken = (await fullTokensFor(['dave'], as(bootstrap))).get('dave')!;
      const inventory = join(empty.dataDir, 'soon.json');
      writeFileSync(inventory, JSON.stringify({
        credentials: [{
          kind: 'x509_certificate', id: 'soon-1', name: 'soon-1.svc.acme.internal', source: 'internal-ca', class: 'internal-mtls',
          notAfter: new Date(Date.now() + 6 * day).toISOString(), managedStorage: true,
        }],
      }));
      const imported = await runCli(['credentials', 'import', inventory], as(bootstrap));
      assert.equal(imported.code, 0, imported.stderr + imported.stdout);

      const sweep = await cliJson(['alerts', 'sweep'], as(bootstrap)) as { opened: number; notifications: number };
      assert.deepEqual([sweep.opened, sweep.notifications], [1, 2], `one alert opened, with an email and a webhook: ${JSON.stringify(sweep)}`);
      await waitFor('both deliveries to be under way', () => (silentSmtp.connections() > 0 && silentReceiver.deliveries.length > 0 ? true : undefined), 8_000,
        () => `${silentSmtp.connections()} SMTP connections, ${silentReceiver.deliveries.length} webhook requests`);
      const inFlight = await notifications();
      await killHard(server.process);

      assert.deepEqual(inFlight.map((row) => row.topic).sort(), ['notify.email', 'notify.webhook']);
      const left = await notifications();
      assert.deepEqual(left.map((row) => [row.topic, row.delivered_at, row.last_error]).sort(), [['notify.email', null, null], ['notify.webhook', null, null]],
        `both were claimed and neither was delivered nor failed before the crash: ${JSON.stringify(left)}`);
      assert.equal(smtp.received.length + receiver.deliveries.length, 0);
    });

    test('the next server delivers them once: an email to the technical owner and a signed webhook', async () => {
      server = await serve(dataDir, { ...notifyEnv(), TRUSTPLANE_SMTP_URL: smtp.url, TRUSTPLANE_WEBHOOK_URLS: receiver.url });
      await waitFor('the email and the webhook to arrive and the outbox to empty', async () => {
        const pending = (await notifications()).filter((row) => row.delivered_at === null);
        return smtp.received.length > 0 && receiver.deliveries.length > 0 && pending.length === 0 ? true : undefined;
      }, 30_000, () => `${smtp.received.length} emails, ${receiver.deliveries.length} webhooks`);
      assert.ok(receiver.deliveries.every((delivery) => delivery.verified), `every signature verifies: ${receiver.deliveries.map((delivery) => delivery.problem).join('; ')}`);

      const alerts = await soonAlerts();
      assert.equal(alerts.length, 1, `one alert, not one per server: ${JSON.stringify(alerts)}`);
      const alert = alerts[0]!;
      assert.deepEqual([alert.type, alert.severity, alert.state, alert.recipients], ['expiring', 'high', 'open', ['dave']]);

      assert.equal(smtp.received.length, 1, `exactly one email: ${smtp.received.map((message) => message.mail.subject).join(' | ')}`);
      const [email] = smtp.received;
      assert.deepEqual(email!.rcptTo, [daveEmail]);
      assert.equal(email!.mailFrom, 'trustplane@acme.example');
      assert.match(email!.mail.subject ?? '', /\[Trustplane\] high: certificate soon-1/);
      const text = email!.mail.text ?? '';
      assert.ok(text.includes('soon-1.svc.acme.internal'), `the body names the certificate:\n${text}`);
      assert.ok(text.includes(`trustplane alerts ack ${alert.id}`), `the body says how to acknowledge it:\n${text}`);

      const opened = receiver.events('alert.opened');
      assert.equal(opened.length, 1, `one alert.opened webhook: ${receiver.deliveries.map((delivery) => delivery.body).join('\n')}`);
      const message = opened[0]!.message as { event: string; id: string; text: unknown; alert: { id: string; type: string; severity: string } };
      assert.equal(message.event, 'alert.opened');
      assert.deepEqual([message.alert.id, message.alert.type, message.alert.severity], [alert.id, 'expiring', 'high']);
      assert.equal(typeof message.text, 'string');
      assert.match(message.text as string, /soon-1\.svc\.acme\.internal/);
      assert.equal(opened[0]!.headers['webhook-id'], message.id);
    });

    test('acknowledged by its owner, the alert sends alert.acknowledged', async () => {
      const [alert] = await soonAlerts();
      const acknowledged = await cliJson(['alerts', 'ack', alert!.id, '--note', 'renewing it today'], as(daveToken)) as AlertView;
      assert.deepEqual([acknowledged.id, acknowledged.state, acknowledged.acknowledgedBy], [alert!.id, 'acknowledged', 'person:dave']);
      const [delivery] = await waitFor('the alert.acknowledged webhook', () => {
        const found = receiver.events('alert.acknowledged');
        return found.length > 0 ? found : undefined;
      }, 15_000, () => receiver.deliveries.map((entry) => entry.message?.event ?? entry.problem).join(', '));
      assert.ok(delivery!.verified, delivery!.problem ?? '');
      const message = delivery!.message as { alert: { id: string; state: string } };
      assert.deepEqual([message.alert.id, message.alert.state], [alert!.id, 'acknowledged']);
      assert.equal(smtp.received.length, 1, 'an acknowledgement sends no email');
      const [after_] = await soonAlerts();
      assert.equal(after_!.state, 'acknowledged');
    });
  });
}

describe('a monitoring setting that is not valid stops serve at start-up', { timeout: 60_000 }, () => {
  const sqlite = databaseTargets.find((target) => target.name === 'sqlite')!;
  let empty: Awaited<ReturnType<typeof sqlite.createEmpty>>;
  let dataDir: string;
  const env = { TRUSTPLANE_DATABASE_URL: '' };

  before(async () => {
    empty = await sqlite.createEmpty();
    dataDir = join(empty.dataDir, 'data');
    await initDataDir(dataDir, env);
  });
  after(async () => {
    await killAll();
    await empty?.drop();
  });

  test('TRUSTPLANE_ALERT_ESCALATE_AFTER that is not a duration, or under a minute, is named', async () => {
    for (const value of ['bad', '30s']) {
      const refused = await serveExpectingRefusal(dataDir, { ...env, TRUSTPLANE_ALERT_ESCALATE_AFTER: value });
      assert.notEqual(refused.code, 0, `serve with TRUSTPLANE_ALERT_ESCALATE_AFTER=${value} must not start: ${refused.stdout}`);
      assert.match(refused.stderr + refused.stdout, /TRUSTPLANE_ALERT_ESCALATE_AFTER/, `the message names the variable: ${refused.stderr}${refused.stdout}`);
      assert.doesNotMatch(refused.stdout, /serving at/);
    }
  });
});

// The built-in CA as a new user meets it: `init` makes the CA, a partner issues an mTLS certificate
// inside its window, openssl verifies the chain it fetched over HTTP from the URLs in the certificate, a
// security responder revokes it by playbook, openssl sees the revocation in the CRL and asks the OCSP
// responder itself, and the verify step shows the probes. The real CLI against a real `trustplane serve`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoGovernance } from '../../src/server/demo/demo-governance.ts';
import { databaseTargets } from '../support/databases.ts';
import { personaCommands, databaseEnvFor, fullTokensFor, freePort, runCli, startCliServer } from '../support/cli-runner.ts';
import { openssl, opensslCsr } from '../support/openssl.ts';

const people = ['gina', 'dave', 'erin', 'lena'] as const;
type Person = (typeof people)[number];

/** Fetches a URL over HTTP, as a relying party would. */
const download = async (url: string, file: string): Promise<string> => {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url} answered ${response.status}`);
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  return file;
};

const derToPem = (der: string, kind: 'x509' | 'crl'): string => {
  const pem = `${der}.pem`;
  assert.equal(openssl([kind, '-inform', 'DER', '-in', der, '-out', pem]).status, 0);
  return pem;
};

for (const target of databaseTargets) {
  describe(`the built-in CA on the command line, on ${target.name}`, () => {
    let empty: Awaited<ReturnType<typeof target.createEmpty>>;
    let server: Awaited<ReturnType<typeof startCliServer>>;
    let env: NodeJS.ProcessEnv;
    let init: { ca: { id: string; root: string; certificateUrl: string } | null; masterKey: { origin: string; path?: string } };
    const tokens = new Map<Person, string>();
    const file = (name: string): string => join(empty.dataDir, name);

    const { as, json } = personaCommands<Person>(() => env, tokens);

    before(async () => {
      empty = await target.createEmpty();
      // Certificates carry the server's URLs, so the port is chosen before init and kept for serve.
      const port = await freePort();
      const databaseEnv = { ...databaseEnvFor(empty.location), TRUSTPLANE_PORT: String(port) };
      const dataDir = join(empty.dataDir, 'data');
      const initialised = await runCli(['init', '--data-dir', dataDir, '--json'], databaseEnv);
      assert.equal(initialised.code, 0, initialised.stderr);
      init = JSON.parse(initialised.stdout);
      server = await startCliServer(dataDir, databaseEnv, port);
      env = { ...databaseEnv, TRUSTPLANE_URL: server.url, TRUSTPLANE_TOKEN: JSON.parse(initialised.stdout).token };
      writeFileSync(file('governance.yaml'), demoGovernance(new Date()));
      const applied = await runCli(['apply', '-f', file('governance.yaml')], env);
      assert.equal(applied.code, 0, applied.stderr);
      for (const [person, token] of await fullTokensFor(people, env)) tokens.set(person, token);
    });
    after(async () => {
      await server?.stop();
      await empty?.drop();
    });

    test('init made the master key (0600) and a CA whose root is served where it says', async () => {
      assert.equal(init.masterKey.origin, 'file');
      assert.equal(init.ca?.id, 'internal-ca');
      const root = derToPem(await download(init.ca?.certificateUrl as string, file('root.der')), 'x509');
      assert.match(openssl(['x509', '-in', root, '-noout', '-subject']).stdout, /Trustplane Internal CA Root/);
      const listed = await json('lena', ['ca', 'list']);
      assert.deepEqual(listed.items.map((entry: { id: string }) => entry.id).sort(), ['internal-ca', 'internal-ca-root']);
    });

    test('a file holding several CSRs requests one issue that makes a certificate per CSR', async () => {
      const csrs = ['batch-1', 'batch-2'].map((name) => readFileSync(opensslCsr(empty.dataDir, name, {
        newkey: ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], subject: `/CN=${name}.svc.acme.internal`, sans: [`DNS:${name}.svc.acme.internal`],
      }).csr, 'utf8'));
      const fleet = file('fleet.csr');
      writeFileSync(fleet, csrs.join(''));
      const requested = await json('gina', ['changes', 'request', 'issue', '--class', 'internal-mtls', '--csr', fleet, '--reason', 'batch workers']);
      assert.equal(requested.events[0].details.spec.csrs, '2 attached');
      await json('dave', ['changes', 'approve', requested.id]);
      const executed = await as('gina', ['changes', 'execute', requested.id]);
      assert.equal(executed.code, 0, executed.stderr + executed.stdout);
      assert.match(executed.stdout, /issued 2 certificates from CA internal-ca/);
      assert.match(executed.stdout, /New credentials \(2\): cr_[0-9a-f]+, cr_[0-9a-f]+\./);
    });

    test('a partner issues inside its window; the chain verifies from the certificate\'s URLs; a playbook revokes it; CRL, OCSP and the probes agree', async () => {
      const { csr } = opensslCsr(empty.dataDir, 'orders', { newkey: ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], subject: '/CN=orders.svc.acme.internal', sans: ['DNS:orders.svc.acme.internal'] });
      const requested = await json('gina', ['changes', 'request', 'issue', '--class', 'internal-mtls', '--csr', csr, '--workload', 'payments-api', '--reason', 'orders service goes live']);
      await json('dave', ['changes', 'approve', requested.id]);
      const executed = await as('gina', ['changes', 'execute', requested.id]);
      assert.equal(executed.code, 0, executed.stderr + executed.stdout);
      assert.match(executed.stdout, /through builtin-ca: issued certificate [0-9a-f]+ for dns:orders\.svc\.acme\.internal from CA internal-ca/);
      const credential = /New credential: (cr_[0-9a-f]+)/.exec(executed.stdout)?.[1] as string;

      const leaf = file('orders.pem');
      assert.equal((await as('gina', ['ca', 'certificate', credential, '--out', leaf])).code, 0);
      const aia = openssl(['x509', '-in', leaf, '-noout', '-ext', 'authorityInfoAccess,crlDistributionPoints']).stdout;
      const issuingUrl = /CA Issuers - URI:(\S+)/.exec(aia)?.[1] as string;
      const ocspUrl = /OCSP - URI:(\S+)/.exec(aia)?.[1] as string;
      const crlUrl = /URI:(\S+\.crl)/.exec(aia)?.[1] as string;
      assert.ok(issuingUrl.startsWith(server.url) && ocspUrl.startsWith(server.url) && crlUrl.startsWith(server.url), aia);
      const issuing = derToPem(await download(issuingUrl, file('issuing.der')), 'x509');
      const rootUrl = /CA Issuers - URI:(\S+)/.exec(openssl(['x509', '-in', issuing, '-noout', '-ext', 'authorityInfoAccess']).stdout)?.[1] as string;
      const root = derToPem(await download(rootUrl, file('root-from-aia.der')), 'x509');
      const crlBefore = derToPem(await download(crlUrl, file('before.crl')), 'crl');
      const good = openssl(['verify', '-x509_strict', '-crl_check', '-CAfile', root, '-untrusted', issuing, '-CRLfile', crlBefore, leaf]);
      assert.equal(good.status, 0, good.stdout + good.stderr);

      const invoked = await as('erin', ['playbooks', 'invoke', 'key-compromise', '--credential', credential, '--trigger', 'key_compromise', '--reason', 'key pasted into a chat', '--json']);
      assert.equal(invoked.code, 0, invoked.stderr + invoked.stdout);
      const revocation = JSON.parse(invoked.stdout).changes[0];
      assert.equal(revocation.connector, 'builtin-ca');

      const crlAfter = derToPem(await download(crlUrl, file('after.crl')), 'crl');
      const refused = openssl(['verify', '-crl_check', '-CAfile', root, '-untrusted', issuing, '-CRLfile', crlAfter, leaf]);
      assert.notEqual(refused.status, 0);
      assert.match(refused.stdout + refused.stderr, /certificate revoked/);
      // openssl asks the responder itself, over HTTP, and checks the signature up to the root and the nonce.
      const asked = openssl(['ocsp', '-issuer', issuing, '-cert', leaf, '-url', ocspUrl, '-CAfile', root, '-verify_other', issuing]);
      assert.match(asked.stdout + asked.stderr, /Response verify OK/);
      assert.match(asked.stdout, /orders\.pem: revoked/);
      assert.match(asked.stdout, /Reason: keyCompromise/);

      const verified = await as('lena', ['changes', 'verify', revocation.id]);
      assert.equal(verified.code, 0, verified.stderr + verified.stdout);
      assert.match(verified.stdout, /Verified change .* with 0 checks and 3 probes/);
      assert.match(verified.stdout, /pass {2}crl-lists-serial: serial [0-9a-f]+ is in CRL number \d+ at .*internal-ca\.crl, reason keyCompromise/);
      assert.match(verified.stdout, /pass {2}ocsp-revoked: the responder says revoked/);
      assert.ok(readFileSync(leaf, 'utf8').includes('BEGIN CERTIFICATE'));
    });
  });
}

// The built-in CAs from the command line: list them and create a hierarchy for a source.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { caKeyAlgorithms } from '../../core/pki/signer.ts';
import { oneOf } from './change-commands.ts';
import { action } from '../run-command.ts';

type AuthorityView = {
  id: string; source: string; name: string; parent: string | null; serial: string; notAfter: string; crlNumber: number; ocspResponder: boolean;
  urls: { certificate: string; crl: string; ocsp?: string };
};

export const registerCaCommands = (program: Command): void => {
  const ca = program.command('ca').description('the built-in CAs: hierarchies per source, their CRLs and OCSP responders');

  ca.command('list')
    .description('list the built-in CAs and the URLs relying parties fetch')
    .action(action(async ({ client, output }) => {
      const result = await client().get<{ items: AuthorityView[] }>('/api/v1/cas');
      output.result(result, () => {
        if (result.items.length === 0) return output.line('No built-in CA yet; `trustplane init` makes one, `trustplane ca create SOURCE` another.');
        output.table(result.items.map((entry) => [
          entry.id, entry.source, entry.parent === null ? 'root' : `issuing (under ${entry.parent})`, entry.name, entry.notAfter.slice(0, 10), String(entry.crlNumber),
        ]), ['CA', 'SOURCE', 'ROLE', 'NAME', 'EXPIRES', 'CRL#']);
        for (const entry of result.items.filter((item) => item.parent !== null)) {
          output.line(`${entry.id}: certificate ${entry.urls.certificate}, CRL ${entry.urls.crl}${entry.urls.ocsp === undefined ? '' : `, OCSP ${entry.urls.ocsp}`}`);
        }
      });
    }));

  ca.command('certificate')
    .description('download a certificate the built-in CA issued (PEM), with --chain its CA certificates up to the root')
    .argument('<credential>', 'the credential id (cr_…) or fingerprint')
    .option('--chain', 'append the issuing CA and root certificates')
    .option('--out <file>', 'write it to this file instead of standard output')
    .action(action(async ({ client, output }, credential: string, options: { chain?: boolean; out?: string }) => {
      const found = await client().get<{ credentialId: string; ca: string; serial: string; revokedAt: string | null; certificatePem: string; chainPem: string[] }>(
        `/api/v1/credentials/${encodeURIComponent(credential)}/certificate`,
      );
      const pem = [found.certificatePem, ...(options.chain === true ? found.chainPem : [])].join('');
      if (options.out !== undefined) {
        writeFileSync(options.out, pem, { flag: 'wx' });
        output.result({ ...found, file: options.out }, () => output.line(`Wrote certificate ${found.serial} from CA ${found.ca}${options.chain === true ? ' with its chain' : ''} to ${options.out}${found.revokedAt === null ? '' : ` (revoked ${found.revokedAt})`}.`));
        return;
      }
      output.result(found, () => process.stdout.write(pem));
    }));

  ca.command('create')
    .description('create a CA hierarchy (root, issuing intermediate, OCSP responder) for a builtin_ca source of governance')
    .argument('<source>', 'the source id the CA serves, e.g. internal-ca')
    .option('--name <name>', 'the CA\'s name, in its certificates', 'Trustplane CA')
    .option('--algorithm <algorithm>', `the CA key algorithm: ${caKeyAlgorithms.join(', ')}`, 'ECDSA-P256')
    .option('--backend <backend>', 'where the keys live: software (sealed under the master key) or pkcs11 (TRUSTPLANE_PKCS11_* on the server)', 'software')
    .action(action(async ({ client, output }, source: string, options: { name: string; algorithm: string; backend: string }) => {
      const algorithm = oneOf('--algorithm', options.algorithm, caKeyAlgorithms);
      const backend = oneOf('--backend', options.backend, ['software', 'pkcs11'] as const);
      const created = await client().post<{ root: AuthorityView; issuing: AuthorityView }>('/api/v1/cas', { source, name: options.name, algorithm, backend });
      output.result(created, () => {
        output.line(`Created CA ${created.issuing.id} (${algorithm}, ${backend} keys) under root ${created.root.id}.`);
        output.line(`Certificate ${created.issuing.urls.certificate}; CRL ${created.issuing.urls.crl}; OCSP ${created.issuing.urls.ocsp ?? '-'}.`);
      });
    }));
};

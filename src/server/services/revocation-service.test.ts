// CRLs as two nodes on one database see them: published in parts, served from each node's copy while it
// is the latest, replaced on every node by a newer one, with the parts of older CRLs dropped once nobody
// can still be reading them. A CRL of several parts is one CRL to openssl.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { databaseTargets } from '../../../test/support/databases.ts';
import type { TestDatabase } from '../../../test/support/databases.ts';
import { openssl, scratchDirectory } from '../../../test/support/openssl.ts';
import { keyEncryptionKey } from '../keys/key-envelope.ts';
import { createServices } from '../main.ts';
import type { Services } from '../main.ts';
import { crlPartBytes } from '../stores/ca-store.ts';
import { exampleGovernanceAt } from '../demo/example-governance.ts';

const caId = 'internal-ca';
const governance = exampleGovernanceAt(new Date());

for (const target of databaseTargets) {
  describe(`CRLs on ${target.name}`, () => {
    let database: TestDatabase;
    let [nodeA, nodeB]: Services[] = [];
    const scratch = scratchDirectory();

    before(async () => {
      database = await target.create();
      const masterKey = keyEncryptionKey(randomBytes(32));
      [nodeA, nodeB] = [0, 1].map(() => createServices(database.database, { masterKey, publicUrl: () => 'http://127.0.0.1:8470' }));
      await nodeA!.governance.apply({ document: governance, fileName: 'governance.yaml', dryRun: false, actor: 'system:bootstrap' });
      await nodeA!.ca.createAuthority({ sourceId: caId, name: 'Acme Internal CA', algorithm: 'ECDSA-P256', backend: 'software', actor: 'test' });
    });
    after(async () => {
      scratch.cleanUp();
      await database?.destroy();
    });

    const partNumbers = async (): Promise<number[]> => {
      const rows = await sql<{ crl_number: number | string }>`select distinct crl_number from crl_parts where ca_id = ${caId} order by crl_number`.execute(database.database.db);
      return rows.rows.map((row) => Number(row.crl_number));
    };

    test('a CRL over several parts is published whole, and openssl reads it and checks its signature', async () => {
      // Enough revoked certificates for a CRL over two parts (an entry is about 46 octets).
      const count = Math.ceil((crlPartBytes * 1.2) / 40);
      const now = Date.now();
      for (let start = 0; start < count; start += 1000) {
        await database.database.db.insertInto('issued_certificates').values(Array.from({ length: Math.min(1000, count - start) }, (_, offset) => ({
          ca_id: caId, serial: (0x40_0000_0000 + start + offset).toString(16).padStart(32, '0'), credential_id: `cr_${start + offset}`, change_id: null,
          issued_at: new Date(now - 86_400_000).toISOString(), not_after: new Date(now + 86_400_000).toISOString(), certificate: '-', revoked_at: new Date(now - 60_000).toISOString(), revocation_reason: 'keyCompromise',
        }))).execute();
      }
      const published = await nodeA!.revocation.publish(caId);
      assert.equal(published.revokedCount, count);
      assert.ok(published.der.length > crlPartBytes, `${published.der.length} octets: more than one part`);
      const served = await nodeB!.revocation.crl(caId);
      assert.ok(served.der.equals(published.der), 'the other node reads the same octets from the parts');
      const issuing = scratch.file('issuing.pem', (await nodeA!.ca.authority(caId)).certificatePem);
      const crl = scratch.file('crl.der', served.der);
      const checked = openssl(['crl', '-inform', 'DER', '-in', crl, '-CAfile', issuing, '-noout', '-crlnumber']);
      // openssl exits 0 even when the signature fails, saying so on stderr.
      assert.match(checked.stderr, /verify OK/, checked.stderr);
      assert.match(checked.stdout, new RegExp(`crlNumber=0x0*${published.crlNumber.toString(16)}\\b`, 'i'));
      await database.database.db.deleteFrom('issued_certificates').where('credential_id', 'like', 'cr_%').execute();
    });

    test('each node serves the latest CRL, whichever node published it, and older parts go once nobody can be reading them', async () => {
      const first = await nodeA!.revocation.publish(caId);
      assert.equal((await nodeA!.revocation.crl(caId)).crlNumber, first.crlNumber);
      assert.equal((await nodeB!.revocation.crl(caId)).crlNumber, first.crlNumber);
      const second = await nodeB!.revocation.publish(caId);
      assert.ok(second.crlNumber > first.crlNumber);
      const seenByA = await nodeA!.revocation.crl(caId);
      assert.deepEqual([seenByA.crlNumber, seenByA.der.equals(second.der)], [second.crlNumber, true], 'node A no longer serves its own, older CRL');
      assert.deepEqual((await partNumbers()).slice(-2), [first.crlNumber, second.crlNumber], 'the replaced CRL keeps its parts for readers that found it');
      const third = await nodeA!.revocation.publish(caId);
      assert.deepEqual(await partNumbers(), [second.crlNumber, third.crlNumber]);
      const together = await Promise.all(Array.from({ length: 4 }, () => nodeB!.revocation.crl(caId)));
      assert.ok(together.every((crl) => crl.crlNumber === third.crlNumber && crl.der === together[0]!.der), 'requests that wait for a new CRL share one read of it');
    });

    test('calls to publish that arrive while one is under way share the next, which begins after them', async () => {
      const before = (await nodeA!.unitOfWork((tx) => tx.ca.crlInfo(caId)))!;
      const underWay = nodeA!.revocation.publish(caId);
      // Revoked once that one is under way: it may have read the entries already, the next one cannot have.
      await database.database.db.insertInto('issued_certificates').values({
        ca_id: caId, serial: '41'.padEnd(32, '0'), credential_id: 'cr_burst', change_id: null, issued_at: new Date().toISOString(),
        not_after: new Date(Date.now() + 86_400_000).toISOString(), certificate: '-', revoked_at: new Date().toISOString(), revocation_reason: 'superseded',
      }).execute();
      const meanwhile = await Promise.all(Array.from({ length: 4 }, () => nodeA!.revocation.publish(caId)));
      const first = await underWay;
      assert.ok(meanwhile.every((crl) => crl === meanwhile[0]), 'the four that arrived meanwhile got one CRL');
      assert.ok(meanwhile[0]!.crlNumber > first.crlNumber);
      assert.equal(meanwhile[0]!.revokedCount, before.revokedCount + 1, 'it lists what was revoked after the first began');
      assert.equal((await nodeA!.unitOfWork((tx) => tx.ca.crlInfo(caId)))?.crlNumber, before.crlNumber + 2, 'two CRLs signed for five calls');
    });

    test('the audit entry of a CRL lists the serials it was the first to name, and no later CRL claims them again', async () => {
      const serial = '42'.padEnd(32, '0');
      await database.database.db.insertInto('issued_certificates').values({
        ca_id: caId, serial, credential_id: 'cr_listed', change_id: null, issued_at: new Date().toISOString(),
        not_after: new Date(Date.now() + 86_400_000).toISOString(), certificate: '-', revoked_at: new Date().toISOString(), revocation_reason: 'keyCompromise',
      }).execute();
      const first = await nodeA!.revocation.publish(caId);
      const second = await nodeB!.revocation.publish(caId);
      const entries = await nodeA!.audit.list({ target: `ca:${caId}`, limit: 2 });
      const listedBy = (crlNumber: number) => entries.find((entry) => entry.details.crlNumber === crlNumber)?.details.firstListed;
      assert.deepEqual(listedBy(first.crlNumber), [serial]);
      assert.deepEqual(listedBy(second.crlNumber), [], 'named again, but not first');
      const row = await database.database.db.selectFrom('issued_certificates').select('listed_in_crl').where('serial', '=', serial).executeTakeFirstOrThrow();
      assert.equal(Number(row.listed_in_crl), first.crlNumber);
    });

    test('a CRL that a newer one overtook while its parts were written is not made the latest, and its parts are dropped', async () => {
      const number = await nodeA!.unitOfWork((tx) => tx.ca.takeCrlNumber(caId));
      assert.ok(number !== null);
      await nodeA!.unitOfWork((tx) => tx.ca.insertCrlPart(caId, number, 0, Uint8Array.of(0x30, 0x00)));
      const newer = await nodeB!.revocation.publish(caId);
      assert.ok(newer.crlNumber > number);
      const overtaken = { caId, crlNumber: number, thisUpdate: newer.thisUpdate, nextUpdate: newer.nextUpdate, revokedCount: 0, bytes: 2 };
      assert.equal(await nodeA!.unitOfWork((tx) => tx.ca.publishCrl(overtaken)), false);
      assert.ok(!(await partNumbers()).includes(number), 'its parts are gone');
      assert.equal((await nodeA!.revocation.crl(caId)).crlNumber, newer.crlNumber);
    });

    test('of two CRLs written at once, the newer stays the latest whichever commits first', async () => {
      const db = database.database.db;
      const base = (await nodeA!.unitOfWork((tx) => tx.ca.crlInfo(caId)))!;
      const info = (crlNumber: number) => ({ ...base, crlNumber, bytes: 2 });
      if (target.name === 'sqlite') {
        // SQLite lets one writer in at a time: the newer commits, then the older finds it.
        const written = await Promise.all([nodeA!.unitOfWork((tx) => tx.ca.publishCrl(info(base.crlNumber + 2))), nodeB!.unitOfWork((tx) => tx.ca.publishCrl(info(base.crlNumber + 1)))]);
        assert.deepEqual(written, [true, false]);
      } else {
        const waiting = async (count: number) => {
          for (let attempt = 0; attempt < 200; attempt += 1) {
            const rows = await sql<{ n: string | number }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
            if (Number(rows.rows[0]?.n) >= count) return;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          assert.fail(`${count} writers never waited for the lock`);
        };
        // A third transaction holds the row; both writers read the latest number before either writes,
        // then wait for the row, the newer first. The row is let go whatever happens, or the database
        // could not be dropped after a failure.
        let release = () => undefined as void;
        let locked = () => undefined as void;
        const lockTaken = new Promise<void>((resolve) => { locked = resolve; });
        const held = db.transaction().execute(async (trx) => {
          await sql`select crl_number from crls where ca_id = ${caId} for update`.execute(trx);
          locked();
          await new Promise<void>((resolve) => { release = resolve; });
        });
        let newer: Promise<boolean> | undefined;
        let older: Promise<boolean> | undefined;
        try {
          await lockTaken;
          newer = nodeA!.unitOfWork((tx) => tx.ca.publishCrl(info(base.crlNumber + 2)));
          await waiting(1);
          older = nodeB!.unitOfWork((tx) => tx.ca.publishCrl(info(base.crlNumber + 1)));
          await waiting(2);
        } finally {
          release();
          await held;
        }
        assert.deepEqual([await newer, await older], [true, false]);
      }
      assert.equal((await nodeA!.unitOfWork((tx) => tx.ca.crlInfo(caId)))?.crlNumber, base.crlNumber + 2);
    });
  });
}

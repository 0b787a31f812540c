import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditListBudgets, importAuditDetails } from './inventory-import.ts';

type Listed = { count: number; listed: unknown[]; leftOut: number };

test('the audit entry of a 20,000-entry import stays bounded, counts everything, and says what it left out', () => {
  const ids = Array.from({ length: 20_000 }, (_, n) => `cr_${String(n).padStart(20, '0')}`);
  const sans = Array.from({ length: 5000 }, (_, n) => `dns:host-${n}.acme.example`);
  const details = importAuditDetails({
    files: ['big.json'], credentials: 40_000, defaults: {},
    written: { created: ids, updated: ids.map((id) => ({ id, changes: { sans: { from: [], to: sans }, storageLocation: { from: null, to: 'vault:kv/x' } } })), unchanged: [] },
    notices: ids.map((credentialId, n) => ({
      file: 'big.json', entry: `credentials[${n}]`, credentialId, outcome: 'refreshed' as const,
      heldBack: [{ field: 'status' as const, asked: 'active', stands: 'revoked', reason: 'the same for every entry' }],
    })),
  });
  assert.ok(JSON.stringify(details).length < 160 * 1024, `${JSON.stringify(details).length} bytes`);
  for (const key of ['created', 'updated', 'heldBack'] as const) {
    const list = details[key] as Listed;
    assert.equal(list.count, 20_000);
    assert.ok(list.listed.length > 100, `${key} lists a useful number`);
    assert.equal(list.listed.length + list.leftOut, 20_000);
    assert.ok(JSON.stringify(list.listed).length <= auditListBudgets[key] + list.listed.length);
  }
  const [update] = (details.updated as Listed).listed as { changes: { sans: { to: unknown }; storageLocation: { to: unknown } } }[];
  assert.match(String(update?.changes.sans.to), /^\["dns:host-0\.acme\.example",.*… \(\d+ characters in all\)$/);
  assert.equal(update?.changes.storageLocation.to, 'vault:kv/x', 'short values are kept as they are');
  assert.doesNotMatch(JSON.stringify(details.heldBack), /the same for every entry/, 'the fixed reason is not repeated');
});

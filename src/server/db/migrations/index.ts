// Forward-only migrations, in order. A migration, once shipped, never changes: add a new one.
import type { Migration, MigrationProvider } from 'kysely/migration';
import type { DatabaseCapabilities } from '../capabilities.ts';
import { initialMigration } from './0001-initial.ts';
import { decisionRightsMigration } from './0002-decision-rights.ts';
import { pkiMigration } from './0003-pki.ts';
import { auditLogMigration } from './0004-audit-log.ts';
import { monitoringMigration } from './0005-monitoring.ts';
import { postureIndexesMigration } from './0006-posture-indexes.ts';
import { offboardingReinstatementMigration } from './0007-offboarding-reinstatement.ts';
import { crlPartsMigration } from './0008-crl-parts.ts';
import { peopleBehindStepsMigration } from './0009-people-behind-steps.ts';
import { crlListingMigration } from './0010-crl-listing.ts';

export const migrationProvider = (capabilities: DatabaseCapabilities): MigrationProvider => ({
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '0001-initial': initialMigration(capabilities),
      '0002-decision-rights': decisionRightsMigration(capabilities),
      '0003-pki': pkiMigration(capabilities),
      '0004-audit-log': auditLogMigration(capabilities),
      '0005-monitoring': monitoringMigration(capabilities),
      '0006-posture-indexes': postureIndexesMigration(),
      '0007-offboarding-reinstatement': offboardingReinstatementMigration(),
      '0008-crl-parts': crlPartsMigration(capabilities),
      '0009-people-behind-steps': peopleBehindStepsMigration(),
      '0010-crl-listing': crlListingMigration(),
    };
  },
});

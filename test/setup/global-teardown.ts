import { rm } from 'node:fs/promises';
import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const {
    TEST_ADMIN_DATABASE_URL: adminUrl,
    TEST_TEMPLATE_DB: templateDb,
    TEST_DASHBOARD_DIR: dashboard,
  } = process.env;
  if (dashboard) await rm(dashboard, { recursive: true, force: true });
  if (globalThis.embeddedPostgres) {
    await globalThis.embeddedPostgres.stop(); // its data folder goes with it
    return;
  }
  if (adminUrl && templateDb) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(templateDb)} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each live row is rewritten about once a minute. With free room on its page (fillfactor) the
 * update stays a HOT update: no new index entry, no page split, far less vacuum work.
 * Applies to pages written from now on; existing pages get the room as they are rewritten.
 */
export class LiveStatusFillfactor1795720000000 implements MigrationInterface {
  name = 'LiveStatusFillfactor1795720000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE meter_live_status SET (fillfactor = 70)`);
    await runner.query(`ALTER TABLE vehicle_live_status SET (fillfactor = 70)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE meter_live_status RESET (fillfactor)`);
    await runner.query(`ALTER TABLE vehicle_live_status RESET (fillfactor)`);
  }
}

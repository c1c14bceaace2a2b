import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Links get history: a vehicle is fed by a meter over a period [valid_from, valid_to). A period
 * that covers all time before it starts at '-infinity'; the current period has valid_to NULL.
 * Periods of one vehicle never overlap (the links service changes them under a per-vehicle lock;
 * the partial unique index allows one open period per vehicle).
 *
 * Every existing fleet_links row becomes a period that covers all past time: the reports of a
 * fleet whose links never changed are the same before and after. fleet_links is replaced by a
 * view of the current periods, so a replica of the previous release still reads links during a
 * rolling upgrade (its link changes fail until it is replaced; readings are unaffected).
 *
 * One row per vehicle: a single INSERT … SELECT is a few milliseconds even for a large fleet,
 * and it never touches the history tables.
 */
export class LinkPeriods1796100000000 implements MigrationInterface {
  name = 'LinkPeriods1796100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE link_periods (
        vehicle_id  text        NOT NULL,
        valid_from  timestamptz NOT NULL,
        valid_to    timestamptz,
        meter_id    text        NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (vehicle_id, valid_from),
        CONSTRAINT link_periods_not_empty CHECK (valid_to IS NULL OR valid_to > valid_from)
      )`);
    await runner.query(
      `CREATE UNIQUE INDEX link_periods_current_idx ON link_periods (vehicle_id) WHERE valid_to IS NULL`,
    );
    await runner.query(`CREATE INDEX link_periods_meter_idx ON link_periods (meter_id, valid_from)`);
    await runner.query(`
      INSERT INTO link_periods (vehicle_id, valid_from, valid_to, meter_id, recorded_at)
      SELECT vehicle_id, '-infinity', NULL, meter_id, created_at FROM fleet_links`);
    await runner.query(`DROP TABLE fleet_links`);
    await runner.query(`
      CREATE VIEW fleet_links AS
      SELECT vehicle_id, meter_id, recorded_at AS created_at, recorded_at AS updated_at
      FROM link_periods WHERE valid_to IS NULL`);
    await runner.query(`ANALYZE link_periods`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP VIEW fleet_links`);
    await runner.query(`
      CREATE TABLE fleet_links (
        vehicle_id text        PRIMARY KEY,
        meter_id   text        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX fleet_links_meter_id_idx ON fleet_links (meter_id)`);
    // Only the current links survive a revert: the previous release has no history.
    await runner.query(`
      INSERT INTO fleet_links (vehicle_id, meter_id, created_at, updated_at)
      SELECT vehicle_id, meter_id, recorded_at, recorded_at FROM link_periods WHERE valid_to IS NULL`);
    await runner.query(`DROP TABLE link_periods`);
  }
}

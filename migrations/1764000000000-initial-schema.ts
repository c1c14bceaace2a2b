import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * History (cold) tables are range-partitioned by day on the reading's own timestamp, with a
 * default partition so that no reading is ever refused for lack of a partition. Daily
 * partitions are created ahead of time by the service through ensure_telemetry_partition(),
 * which also moves rows that had landed in the default partition into the new one.
 *
 * Energy is NUMERIC so that sums are exact decimals (operators bill by them); measurements
 * that are never summed for billing are double precision.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE meter_telemetry (
        meter_id        text             NOT NULL,
        ts              timestamptz      NOT NULL,
        kwh_consumed_ac numeric          NOT NULL,
        voltage         double precision NOT NULL,
        received_at     timestamptz      NOT NULL DEFAULT now(),
        PRIMARY KEY (meter_id, ts)
      ) PARTITION BY RANGE (ts)`);
    await runner.query(`CREATE TABLE meter_telemetry_default PARTITION OF meter_telemetry DEFAULT`);

    await runner.query(`
      CREATE TABLE vehicle_telemetry (
        vehicle_id       text             NOT NULL,
        ts               timestamptz      NOT NULL,
        soc              double precision NOT NULL,
        kwh_delivered_dc numeric          NOT NULL,
        battery_temp     double precision NOT NULL,
        received_at      timestamptz      NOT NULL DEFAULT now(),
        PRIMARY KEY (vehicle_id, ts)
      ) PARTITION BY RANGE (ts)`);
    await runner.query(`CREATE TABLE vehicle_telemetry_default PARTITION OF vehicle_telemetry DEFAULT`);

    await runner.query(`
      CREATE TABLE meter_live_status (
        meter_id        text             PRIMARY KEY,
        ts              timestamptz      NOT NULL,
        kwh_consumed_ac numeric          NOT NULL,
        voltage         double precision NOT NULL,
        received_at     timestamptz      NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE vehicle_live_status (
        vehicle_id       text             PRIMARY KEY,
        ts               timestamptz      NOT NULL,
        soc              double precision NOT NULL,
        kwh_delivered_dc numeric          NOT NULL,
        battery_temp     double precision NOT NULL,
        received_at      timestamptz      NOT NULL
      )`);

    await runner.query(`
      CREATE TABLE fleet_links (
        vehicle_id text        PRIMARY KEY,
        meter_id   text        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX fleet_links_meter_id_idx ON fleet_links (meter_id)`);

    // Creates the partition of one parent table for one UTC day, if missing. Rows for that day
    // that sit in the default partition are moved into it in the same transaction, so nothing
    // is lost and PostgreSQL's check of the default partition passes. Inserts into the parent
    // wait on the lock for the few milliseconds this takes.
    await runner.query(`
      CREATE FUNCTION ensure_telemetry_partition(parent regclass, day date) RETURNS boolean
      LANGUAGE plpgsql AS $fn$
      DECLARE
        parent_name text := (SELECT relname FROM pg_class WHERE oid = parent);
        part_name   text := parent_name || '_p' || to_char(day, 'YYYYMMDD');
        default_name text := parent_name || '_default';
        lower_bound timestamptz := (day::timestamp AT TIME ZONE 'UTC');
        upper_bound timestamptz := ((day + 1)::timestamp AT TIME ZONE 'UTC');
      BEGIN
        IF to_regclass(quote_ident(part_name)) IS NOT NULL THEN
          RETURN false;
        END IF;
        EXECUTE format('LOCK TABLE %I IN SHARE ROW EXCLUSIVE MODE', parent_name);
        IF to_regclass(quote_ident(part_name)) IS NOT NULL THEN
          RETURN false;
        END IF;
        EXECUTE format('CREATE TEMP TABLE moved_rows (LIKE %I) ON COMMIT DROP', parent_name);
        EXECUTE format(
          'WITH moved AS (DELETE FROM %I WHERE ts >= $1 AND ts < $2 RETURNING *) INSERT INTO moved_rows SELECT * FROM moved',
          default_name) USING lower_bound, upper_bound;
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
          part_name, parent_name, lower_bound, upper_bound);
        EXECUTE format('INSERT INTO %I SELECT * FROM moved_rows', parent_name);
        DROP TABLE moved_rows;
        RETURN true;
      END
      $fn$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP FUNCTION ensure_telemetry_partition(regclass, date)`);
    await runner.query(`DROP TABLE fleet_links`);
    await runner.query(`DROP TABLE vehicle_live_status`);
    await runner.query(`DROP TABLE meter_live_status`);
    await runner.query(`DROP TABLE vehicle_telemetry`);
    await runner.query(`DROP TABLE meter_telemetry`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-device hourly roll-ups of the history tables, for fleet-wide reports: a full fleet day is
 * 240,000 roll-up rows per stream instead of 14.4 million readings.
 *
 * `hour` is the UTC hour holding the readings (date_trunc in UTC, whatever the session time zone).
 * The telemetry writer keeps the roll-ups in step inside its one statement, adding only the rows
 * that its history INSERT actually stored, so each roll-up row always equals the raw sums of its
 * hour (energy NUMERIC, exact). The battery temperature is kept as a sum so that averages over
 * several hours weigh every reading equally.
 *
 * Roll-up rows are updated about once a minute during their hour: fillfactor 70 leaves room on
 * each page for HOT updates (no index column changes), so they do not bloat the indexes. The
 * index on `hour` serves the fleet report's time-window scan once the tables hold many days.
 *
 * The backfill aggregates whatever history exists when the migration runs (nothing on a new
 * database); on a large database it reads the whole history once, inside the migration's transaction.
 */
export class HourlyRollups1795713961996 implements MigrationInterface {
  name = 'HourlyRollups1795713961996';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE meter_hourly (
        meter_id text        NOT NULL,
        hour     timestamptz NOT NULL,
        kwh      numeric     NOT NULL,
        readings int         NOT NULL,
        PRIMARY KEY (meter_id, hour)
      ) WITH (fillfactor = 70)`);
    await runner.query(`CREATE INDEX meter_hourly_hour_idx ON meter_hourly (hour)`);

    await runner.query(`
      CREATE TABLE vehicle_hourly (
        vehicle_id       text             NOT NULL,
        hour             timestamptz      NOT NULL,
        kwh              numeric          NOT NULL,
        battery_temp_sum double precision NOT NULL,
        readings         int              NOT NULL,
        PRIMARY KEY (vehicle_id, hour)
      ) WITH (fillfactor = 70)`);
    await runner.query(`CREATE INDEX vehicle_hourly_hour_idx ON vehicle_hourly (hour)`);

    await runner.query(`
      INSERT INTO meter_hourly (meter_id, hour, kwh, readings)
      SELECT meter_id, date_trunc('hour', ts, 'UTC'), sum(kwh_consumed_ac), count(*)::int
      FROM meter_telemetry
      GROUP BY 1, 2`);
    await runner.query(`
      INSERT INTO vehicle_hourly (vehicle_id, hour, kwh, battery_temp_sum, readings)
      SELECT vehicle_id, date_trunc('hour', ts, 'UTC'), sum(kwh_delivered_dc), sum(battery_temp), count(*)::int
      FROM vehicle_telemetry
      GROUP BY 1, 2`);
    await runner.query(`ANALYZE meter_hourly`);
    await runner.query(`ANALYZE vehicle_hourly`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE vehicle_hourly`);
    await runner.query(`DROP TABLE meter_hourly`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The measurement model: devices report interval energy or a cumulative register, readings carry a
 * quality flag, and the registry says how each device reports.
 *
 * History keeps its meaning: `kwh_consumed_ac` / `kwh_delivered_dc` is the energy COUNTED for the
 * reading (for a register: the step ending at it; 0 for a flagged reading). New columns:
 *  - `reported_kwh`: the value as sent when it differs from the energy counted (a register value, a
 *    suspect reading); NULL means "the counted energy is what was sent" (every row written before);
 *  - `quality`: 'ok' | 'suspect' | 'glitch'; `quality_reason`: why (see README "Data quality").
 * Roll-ups count only readings of quality 'ok' in `readings` (and their temperatures) and the others
 * in `flagged`.
 *
 * Safe on a database holding weeks of history: every ADD COLUMN is nullable or has a constant default,
 * which PostgreSQL 11+ records in the catalog (no rewrite, no scan of any partition); existing rows
 * read as 'ok' with nothing flagged, which is what they were. No backfill. The registry tables are new.
 */
export class MeasurementModel1796200000000 implements MigrationInterface {
  name = 'MeasurementModel1796200000000';

  async up(runner: QueryRunner): Promise<void> {
    for (const table of ['meter_telemetry', 'vehicle_telemetry']) {
      await runner.query(`
        ALTER TABLE ${table}
          ADD COLUMN reported_kwh numeric,
          ADD COLUMN quality text NOT NULL DEFAULT 'ok',
          ADD COLUMN quality_reason text`);
    }
    await runner.query(`ALTER TABLE meter_hourly ADD COLUMN flagged int NOT NULL DEFAULT 0`);
    await runner.query(`ALTER TABLE vehicle_hourly ADD COLUMN flagged int NOT NULL DEFAULT 0`);

    await runner.query(`
      CREATE TABLE devices (
        kind                 text             NOT NULL,
        device_id            text             NOT NULL,
        energy_mode          text             NOT NULL,
        register_max         numeric,
        max_power_kw         double precision,
        efficiency_threshold numeric,
        created_at           timestamptz      NOT NULL DEFAULT now(),
        updated_at           timestamptz      NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, device_id),
        CONSTRAINT devices_kind CHECK (kind IN ('meter', 'vehicle')),
        CONSTRAINT devices_energy_mode CHECK (energy_mode IN ('interval', 'register'))
      )`);
    // How a device reported over time: a mode applies to readings with ts >= effective_from until the
    // next row's effective_from. A device registered before its first reading starts at '-infinity'.
    await runner.query(`
      CREATE TABLE device_modes (
        kind           text        NOT NULL,
        device_id      text        NOT NULL,
        effective_from timestamptz NOT NULL,
        energy_mode    text        NOT NULL,
        recorded_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, device_id, effective_from),
        CONSTRAINT device_modes_energy_mode CHECK (energy_mode IN ('interval', 'register'))
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE device_modes`);
    await runner.query(`DROP TABLE devices`);
    await runner.query(`ALTER TABLE vehicle_hourly DROP COLUMN flagged`);
    await runner.query(`ALTER TABLE meter_hourly DROP COLUMN flagged`);
    for (const table of ['vehicle_telemetry', 'meter_telemetry']) {
      await runner.query(`
        ALTER TABLE ${table} DROP COLUMN quality_reason, DROP COLUMN quality, DROP COLUMN reported_kwh`);
    }
  }
}

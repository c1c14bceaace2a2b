import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attribution snapshots: the fleet report's per-(vehicle, meter) outcome of the attribution rule,
 * per settled UTC hour, kept as running sums within the UTC day, so that a report over whole hours
 * reads three hour-slices instead of redoing the rule for 10,000 vehicles (see README "Fleet report
 * snapshots" and src/analytics/attribution-snapshots.sql.ts).
 *
 *  - `attributed_hourly`: row (hour, vehicle, meter) = the sums from the day's midnight through the
 *    end of `hour`: AC attributed to the vehicle from that meter (with the units' reading counts), DC
 *    the vehicle reported while linked to it, and the vehicle's own totals (all its DC, temperatures,
 *    readings) on one row of its day: the pair of its only meter that day, else meter ''. A pair has
 *    a row in every hour of the day from its first one on, so a slice is an equality on `hour`.
 *  - `attribution_changes`: a row (the UTC day) for every statement that changed an input of a settled
 *    hour of that day, inserted in the changing transaction (triggers below: roll-ups, link periods).
 *    Append-only for writers, so concurrent writers never wait for each other on it (a counter row
 *    per day would serialize every late write, commits included, on that row's lock).
 *  - `attribution_days`: per UTC day, the end of the hours the builder built. The builder deletes the
 *    day's change rows its snapshot sees in the transaction that rebuilds the day; a day's snapshot is
 *    read only while it has no change row left: it is then exactly what the live rule gives, and the
 *    reader computes the rest (unbuilt or changed days) live.
 *
 * An hour is settled once clock_timestamp() − 2 min is past its end; the builder locks the inputs in
 * SHARE mode before it reads the clock, so a writer it cannot see reads a later clock and records
 * its change.
 *
 * Safe on a database holding weeks of history: new tables and triggers only, nothing rewritten or
 * scanned; the builder fills the snapshots in the background after the upgrade, and until then every
 * report is computed live, as before. CREATE TRIGGER briefly takes a SHARE ROW EXCLUSIVE lock on the
 * roll-ups and link periods (it waits for writes in flight, at most MIGRATION_LOCK_TIMEOUT_MS, then
 * the migration is retried). Replicas of the previous release keep writing during a rolling upgrade:
 * the triggers are the database's, so their writes are recorded too.
 */
export class AttributionSnapshots1796300000000 implements MigrationInterface {
  name = 'AttributionSnapshots1796300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE attributed_hourly (
        hour             timestamptz      NOT NULL,
        vehicle_id       text             NOT NULL,
        meter_id         text             NOT NULL,
        ac_kwh           numeric          NOT NULL,
        ac_readings      int              NOT NULL,
        ac_flagged       int              NOT NULL,
        linked_dc_kwh    numeric          NOT NULL,
        dc_kwh           numeric          NOT NULL,
        battery_temp_sum double precision NOT NULL,
        dc_readings      int              NOT NULL,
        dc_flagged       int              NOT NULL,
        PRIMARY KEY (hour, vehicle_id, meter_id)
      )`);
    await runner.query(`CREATE TABLE attribution_changes (day timestamptz NOT NULL)`);
    await runner.query(`CREATE INDEX attribution_changes_day_idx ON attribution_changes (day)`);
    await runner.query(`
      CREATE TABLE attribution_days (
        day       timestamptz NOT NULL PRIMARY KEY,
        built_end timestamptz NOT NULL,
        built_at  timestamptz NOT NULL DEFAULT now()
      )`);

    // The end of the settled hours, by the clock of the transaction asking (not its start).
    await runner.query(`
      CREATE FUNCTION attribution_settled_end() RETURNS timestamptz LANGUAGE sql VOLATILE AS $$
        SELECT date_trunc('hour', clock_timestamp() - interval '2 minutes', 'UTC')
      $$`);
    // Records a change of every settled day from the one holding first_instant (at most 32 days back:
    // the snapshots' horizon).
    await runner.query(`
      CREATE FUNCTION attribution_changed_from(first_instant timestamptz) RETURNS void LANGUAGE sql AS $$
        INSERT INTO attribution_changes (day)
        SELECT day
        FROM (SELECT attribution_settled_end() AS settled) s,
             generate_series(date_trunc('day', greatest(first_instant, s.settled - interval '768 hours'), 'UTC'),
                             s.settled - interval '1 microsecond', interval '24 hours') AS day
      $$`);
    await runner.query(`
      CREATE FUNCTION attribution_rollup_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE settled timestamptz := attribution_settled_end(); -- once per statement, not per row
      BEGIN
        INSERT INTO attribution_changes (day)
        SELECT DISTINCT date_trunc('day', hour, 'UTC') FROM changed_rows WHERE hour < settled;
        RETURN NULL;
      END $$`);
    for (const table of ['meter_hourly', 'vehicle_hourly']) {
      for (const [event, transition] of [
        ['INSERT', 'NEW'],
        ['UPDATE', 'NEW'],
        ['DELETE', 'OLD'],
      ] as const) {
        await runner.query(`
          CREATE TRIGGER ${table}_${event.toLowerCase()}_attribution AFTER ${event} ON ${table}
          REFERENCING ${transition} TABLE AS changed_rows
          FOR EACH STATEMENT EXECUTE FUNCTION attribution_rollup_changed()`);
      }
    }
    // A link change moves attribution from the first instant it changes: a new or deleted period's
    // start; for an updated one (paired by its key), the earlier of its two ends when only the end
    // moved, its start when the meter changed; a key that changed counts as a delete and an insert.
    await runner.query(`
      CREATE FUNCTION attribution_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE first_instant timestamptz;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT min(valid_from) INTO first_instant FROM new_rows;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT min(valid_from) INTO first_instant FROM old_rows;
        ELSE
          SELECT min(CASE
                       WHEN o.vehicle_id IS NULL OR n.vehicle_id IS NULL THEN coalesce(o.valid_from, n.valid_from)
                       WHEN o.meter_id <> n.meter_id THEN o.valid_from
                       WHEN o.valid_to IS DISTINCT FROM n.valid_to
                         THEN least(coalesce(o.valid_to, 'infinity'), coalesce(n.valid_to, 'infinity'))
                     END)
          INTO first_instant
          FROM old_rows o FULL JOIN new_rows n ON n.vehicle_id = o.vehicle_id AND n.valid_from = o.valid_from;
        END IF;
        IF first_instant IS NOT NULL THEN PERFORM attribution_changed_from(first_instant); END IF;
        RETURN NULL;
      END $$`);
    await runner.query(`
      CREATE TRIGGER link_periods_insert_attribution AFTER INSERT ON link_periods
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION attribution_links_changed()`);
    await runner.query(`
      CREATE TRIGGER link_periods_update_attribution AFTER UPDATE ON link_periods
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION attribution_links_changed()`);
    await runner.query(`
      CREATE TRIGGER link_periods_delete_attribution AFTER DELETE ON link_periods
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION attribution_links_changed()`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const event of ['insert', 'update', 'delete']) {
      await runner.query(`DROP TRIGGER link_periods_${event}_attribution ON link_periods`);
      for (const table of ['meter_hourly', 'vehicle_hourly']) {
        await runner.query(`DROP TRIGGER ${table}_${event}_attribution ON ${table}`);
      }
    }
    await runner.query(`DROP FUNCTION attribution_links_changed()`);
    await runner.query(`DROP FUNCTION attribution_rollup_changed()`);
    await runner.query(`DROP FUNCTION attribution_changed_from(timestamptz)`);
    await runner.query(`DROP FUNCTION attribution_settled_end()`);
    await runner.query(`DROP TABLE attribution_days`);
    await runner.query(`DROP TABLE attribution_changes`);
    await runner.query(`DROP TABLE attributed_hourly`);
  }
}

import { DataSource } from 'typeorm';
import { attributionParams } from '../../src/analytics/attribution.sql.ts';
import { attributionWindow } from '../../src/analytics/report-window.ts';
import { VEHICLE_PERFORMANCE } from '../../src/analytics/vehicle-performance.sql.ts';
import {
  aMeterRow,
  aVehicleRow,
  insertMeterHistory,
  insertVehicleHistory,
  partitionName,
} from '../builders/history.builder.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';

/**
 * STYLE R14: the analytics statement, planned by PostgreSQL with real parameters, reads only the
 * window's day partitions and reaches rows through the (device id, ts) primary key. Whole hours
 * come from the roll-ups (through their (device id, hour) key); raw rows only for the partial hours
 * at the window's edges, so the clock here is mid-hour (12:30) to make the statement read raw rows.
 *
 * The index check runs with `SET LOCAL enable_seqscan = off` inside a transaction: the test tables
 * hold a handful of rows, for which a sequential scan is (rightly) cheaper, so without it the
 * planner's choice would say nothing about whether the index *can* serve the query. The setting
 * only penalises sequential scans; a plan that cannot use the index still shows a Seq Scan.
 */

const NOW = new Date('2026-03-15T12:30:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const VEHICLE = 'explain-veh';
const METER = 'explain-met';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Subplans Removed'?: number;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

/** Every node of the plan tree, depth first. */
function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The nodes that read `table` or one of its partitions. */
function scansOf(plan: PlanNode, table: string): PlanNode[] {
  return nodes(plan).filter((node) => node['Relation Name']?.startsWith(table));
}

/** The index a scan node uses: its own, or that of the Bitmap Index Scan under a Bitmap Heap Scan. */
function indexOf(node: PlanNode): string | undefined {
  if (node['Node Type'] === 'Bitmap Heap Scan') {
    return (node.Plans ?? []).flatMap(nodes).find((child) => child['Node Type'] === 'Bitmap Index Scan')?.[
      'Index Name'
    ];
  }
  return node['Index Name'];
}

const INDEX_SCANS = ['Index Scan', 'Index Only Scan', 'Bitmap Heap Scan'];

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ now: NOW });
  await t.db.query(`INSERT INTO link_periods (vehicle_id, valid_from, meter_id) VALUES ($1, '-infinity', $2)`, [
    VEHICLE,
    METER,
  ]);
  // Some rows in every day partition around the window (and for other devices), so the plan is made over real data.
  const hours = Array.from({ length: 24 * 6 }, (_, i) => new Date(NOW.getTime() - 3 * DAY + i * 60 * 60 * 1000));
  for (const device of ['', '-other']) {
    await insertMeterHistory(
      t.db,
      hours.map((ts) => aMeterRow({ meterId: `${METER}${device}`, ts, kwhConsumedAc: '0.5' })),
    );
    await insertVehicleHistory(
      t.db,
      hours.map((ts) => aVehicleRow({ vehicleId: `${VEHICLE}${device}`, ts, kwhDeliveredDc: '0.4' })),
    );
  }
  // Roll-ups of a fleet of 500 other devices over those days: the hour index would read all of them.
  for (const [table, column] of [
    ['meter_hourly', 'meter_id'],
    ['vehicle_hourly', 'vehicle_id'],
  ]) {
    const extra = table === 'vehicle_hourly' ? ', battery_temp_sum' : '';
    await t.db.query(
      `INSERT INTO ${table} (${column}, hour, kwh, readings${extra})
       SELECT 'fleet-' || i, hour, 1, 1${extra ? ', 25' : ''}
       FROM generate_series(1, 500) AS i,
            generate_series($1::timestamptz, $2::timestamptz, interval '1 hour') AS hour`,
      [new Date(NOW.getTime() - 3 * DAY), new Date(NOW.getTime() + 3 * DAY)],
    );
  }
  for (const table of ['meter_telemetry', 'vehicle_telemetry', 'meter_hourly', 'vehicle_hourly']) {
    await t.db.query(`ANALYZE ${table}`);
  }
});
afterAll(async () => {
  await t.close();
});

/** EXPLAIN (FORMAT JSON) of the service's own statement with the parameters the service passes for a clock at `now`. */
async function explain(now: Date, options: { seqscanOff: boolean; analyze?: boolean }): Promise<PlanNode> {
  const window = attributionWindow({ from: new Date(now.getTime() - DAY), to: now });
  const params = [...attributionParams(window), VEHICLE, 0.85, 60, 0.5];
  const dataSource = t.app.get(DataSource);
  return dataSource.transaction(async (em) => {
    if (options.seqscanOff) await em.query('SET LOCAL enable_seqscan = off');
    const [row] = await em.query<Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>>(
      `EXPLAIN (${options.analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${VEHICLE_PERFORMANCE}`,
      params,
    );
    return row!['QUERY PLAN'][0]!.Plan;
  });
}

describe('the vehicle performance plan', () => {
  it.each([
    ['meter_telemetry', 'meter_telemetry'],
    ['vehicle_telemetry', 'vehicle_telemetry'],
  ] as const)('reads only the two day partitions of %s that a 24 h window spans', async (_name, table) => {
    const plan = await explain(NOW, { seqscanOff: true });

    const scanned = new Set(scansOf(plan, table).map((node) => node['Relation Name']));
    expect(scanned).not.toContain(`${table}_default`);
    expect([...scanned].sort()).toEqual([
      partitionName(table, new Date(NOW.getTime() - DAY)),
      partitionName(table, NOW),
    ]);
  });

  it.each([['meter_telemetry'], ['vehicle_telemetry']] as const)(
    'reaches %s rows through the primary key index (enable_seqscan off)',
    async (table) => {
      const plan = await explain(NOW, { seqscanOff: true });

      const scans = scansOf(plan, table);
      expect(scans.length).toBeGreaterThan(0);
      for (const scan of scans) {
        expect(INDEX_SCANS).toContain(scan['Node Type']);
        expect(indexOf(scan)).toBe(`${scan['Relation Name']}_pkey`);
      }
    },
  );

  it.each([['meter_hourly'], ['vehicle_hourly']] as const)(
    'reads whole hours from %s through its (device id, hour) key (enable_seqscan off)',
    async (table) => {
      const plan = await explain(NOW, { seqscanOff: true });

      const scans = scansOf(plan, table);
      expect(scans.length).toBeGreaterThan(0);
      for (const scan of scans) {
        expect(INDEX_SCANS).toContain(scan['Node Type']);
        expect(indexOf(scan)).toBe(`${table}_pkey`);
      }
    },
  );

  it('reads no raw row at all when the window is whole UTC hours without link changes', async () => {
    const midnight = new Date('2026-03-15T00:00:00.000Z'); // window [14th 00:00, 15th 00:00): all from roll-ups

    const plan = await explain(midnight, { seqscanOff: false, analyze: true });

    // The edge ranges are empty ([from, from)) and pruned away; what is left is the join for hours in
    // which a link changed mid-hour: planned, but it finds no such hour, so it reads no raw row.
    for (const table of ['meter_telemetry', 'vehicle_telemetry']) {
      const rowsRead = scansOf(plan, table).reduce((sum, node) => sum + Number(node['Actual Rows'] ?? 0), 0);
      expect(rowsRead).toBe(0);
    }
    const rolledUp = scansOf(plan, 'meter_hourly').reduce((sum, node) => sum + Number(node['Actual Rows'] ?? 0), 0);
    expect(rolledUp).toBe(24); // the vehicle's meter: 24 whole hours from the roll-ups
  });

  it('prunes without enable_seqscan off as well (pruning does not depend on the scan method)', async () => {
    const plan = await explain(NOW, { seqscanOff: false });

    for (const table of ['meter_telemetry', 'vehicle_telemetry']) {
      const scanned = [...new Set(scansOf(plan, table).map((node) => node['Relation Name']))];
      expect(scanned).not.toContain(`${table}_default`);
      expect(scanned.length).toBeGreaterThan(0);
      expect(scanned.length).toBeLessThanOrEqual(2);
    }
  });

  it('does show the default partition for a window whose days have no partition (the check can fail)', async () => {
    const longAgo = new Date('2025-01-10T12:30:00.000Z');

    const plan = await explain(longAgo, { seqscanOff: true });

    expect(new Set(scansOf(plan, 'meter_telemetry').map((node) => node['Relation Name']))).toEqual(
      new Set(['meter_telemetry_default']),
    );
  });
});

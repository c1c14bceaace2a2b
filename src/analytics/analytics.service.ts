import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LinkNotFound, MeterNotFound } from '../common/errors/domain-error.ts';
import { Clock } from '../common/time/clock.ts';
import { AppConfig } from '../config/app-config.ts';
import { genericPlanQuery, type PreparedStatement } from '../database/pg-pool.ts';
import { Metrics } from '../observability/metrics.ts';
import { attributionParams } from './attribution.sql.ts';
import type { FleetQuery, FleetReport, FleetVehicle } from './dto/fleet.dto.ts';
import type { MeterBucket, MeterPerformance, MeterTotals } from './dto/meter-performance.dto.ts';
import { BUCKET_SECONDS, type PerformanceQuery } from './dto/performance-query.dto.ts';
import type { PerformanceBucket, PerformanceTotals, SuspectCounts, VehiclePerformance } from './dto/performance.dto.ts';
import { SNAPSHOT_END } from './attribution-snapshots.sql.ts';
import { FLEET_FROM_SNAPSHOTS, FLEET_PERFORMANCE, type FleetRow, snapshotSlices } from './fleet.sql.ts';
import { METER_PERFORMANCE, type MeterPerformanceRow } from './meter-performance.sql.ts';
import { attributionWindow, fleetDayWindow, hourlyWindow, performanceWindow } from './report-window.ts';
import { VEHICLE_PERFORMANCE, type VehiclePerformanceRow } from './vehicle-performance.sql.ts';

// The vehicle and meter views run as prepared statements with their generic plans: planning cost
// 3-5 ms of a 5-7 ms answer, and the generic plans were measured as fast as custom ones in every
// window shape, on one and on seven fleet days (bench/plan-cache.mjs). The fleet report's generic
// plan is not (it ran for minutes instead of 0.6 s): it is planned with its values every time.
const VEHICLE_STATEMENT: PreparedStatement = { name: 'vehicle-performance', text: VEHICLE_PERFORMANCE };
const METER_STATEMENT: PreparedStatement = { name: 'meter-performance', text: METER_PERFORMANCE };

/**
 * Reads only: every figure comes from one attribution statement (attribution.sql.ts) per answer; the
 * fleet report's is preceded, in the same database snapshot, by a one-row look at which of its days
 * the attribution snapshots cover.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  /**
   * A vehicle over [from, to): by default the last 24 hours, [now − 24 h, now). With a bucket
   * width, also every bucket of the window (same statement).
   */
  async vehiclePerformance(vehicleId: string, query: PerformanceQuery = {}): Promise<VehiclePerformance> {
    const window = performanceWindow(query, this.clock.now());
    const bucketSeconds = query.bucket === undefined ? undefined : BUCKET_SECONDS[query.bucket];
    const rows = await genericPlanQuery<VehiclePerformanceRow>(this.dataSource, VEHICLE_STATEMENT, [
      ...attributionParams(attributionWindow(window, bucketSeconds, query.tz)),
      vehicleId,
      this.config.FLEET_EFFICIENCY_ALERT_THRESHOLD,
      this.config.READING_INTERVAL_SECONDS,
      this.config.MIN_COVERAGE,
    ]);
    const total = rows.find((row) => row.kind === 'total')!;
    if (!total.ever_linked) throw new LinkNotFound(vehicleId);
    const answer: VehiclePerformance = {
      vehicleId,
      meterId: total.meter_id,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      ...vehicleTotals(total),
      meters: rows
        .filter((row) => row.kind === 'meter')
        .map((row) => ({
          meterId: row.meter_id!,
          from: row.period_from!.toISOString(),
          to: row.period_to!.toISOString(),
          acKwh: row.ac_kwh,
        })),
    };
    if (bucketSeconds !== undefined) {
      answer.buckets = rows.filter((row) => row.kind === 'bucket').map(vehicleBucket);
    }
    return answer;
  }

  /** A meter (depot) over [from, to), with each linked vehicle's share; 404 for a meter never seen. */
  async meterPerformance(meterId: string, query: PerformanceQuery = {}): Promise<MeterPerformance> {
    const window = performanceWindow(query, this.clock.now());
    const bucketSeconds = query.bucket === undefined ? undefined : BUCKET_SECONDS[query.bucket];
    const rows = await genericPlanQuery<MeterPerformanceRow>(this.dataSource, METER_STATEMENT, [
      ...attributionParams(attributionWindow(window, bucketSeconds, query.tz)),
      meterId,
      this.config.FLEET_EFFICIENCY_ALERT_THRESHOLD,
    ]);
    const total = rows.find((row) => row.kind === 'total')!;
    if (!total.known) throw new MeterNotFound(meterId);
    const answer: MeterPerformance = {
      meterId,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      threshold: total.threshold,
      ...meterTotals(total),
      vehicles: rows
        .filter((row) => row.kind === 'vehicle')
        .map((row) => ({
          vehicleId: row.vehicle_id!,
          acKwh: row.ac_kwh,
          dcKwh: row.dc_kwh,
          efficiency: row.efficiency,
          ...suspectCounts(row),
        })),
    };
    if (bucketSeconds !== undefined) answer.buckets = rows.filter((row) => row.kind === 'bucket').map(meterBucket);
    return answer;
  }

  /**
   * Every vehicle linked at some time in whole UTC hours [from, to), same rule as the vehicle
   * view; by default the 24 hours ending at the end of the current hour (the current hour counts up to now).
   */
  async fleet(query: FleetQuery): Promise<FleetReport> {
    const window = query.day === undefined ? hourlyWindow(query, this.clock.now()) : fleetDayWindow(query);
    const threshold = this.config.FLEET_EFFICIENCY_ALERT_THRESHOLD;
    // One snapshot of the database for both statements: the snapshots' state read first, and the
    // report from snapshots up to where they are built and current, live after (fleet.sql.ts).
    const rows = await this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const [row] = await manager.query<{ snapshot_end: Date }[]>(SNAPSHOT_END, [window.from, window.to]);
      const snapshotEnd = row!.snapshot_end;
      const live = { from: snapshotEnd, to: window.to };
      const hasLivePart = snapshotEnd.getTime() < window.to.getTime();
      const source = !hasLivePart ? 'snapshots' : snapshotEnd.getTime() > window.from.getTime() ? 'mixed' : 'live';
      this.metrics.fleetReports.inc({ source });
      const slices = snapshotSlices(window.from, snapshotEnd);
      // The per-vehicle sums of 10,000 vehicles (numeric) take ~8 MB: in memory, not spilled in batches.
      await manager.query(`SELECT set_config('work_mem', '64MB', true)`);
      return manager.query<FleetRow[]>(hasLivePart ? FLEET_PERFORMANCE : FLEET_FROM_SNAPSHOTS, [
        ...attributionParams(attributionWindow(live)),
        threshold,
        query.limit,
        query.offset,
        this.config.READING_INTERVAL_SECONDS,
        this.config.MIN_COVERAGE,
        query.status ?? null,
        query.meterId ?? null,
        window.from,
        slices.hours,
        slices.signs,
      ]);
    });
    const first = rows[0]!; // the totals row is always there
    const items = rows.filter((row) => row.vehicle_id !== null).map(toFleetVehicle);
    const nextOffset = query.offset + items.length < first.matching ? query.offset + query.limit : null;
    return {
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      threshold,
      total: first.total,
      totalBelowThreshold: first.total_below,
      totalInsufficientData: first.total_insufficient,
      matching: first.matching,
      limit: query.limit,
      offset: query.offset,
      nextOffset,
      items,
    };
  }
}

function vehicleTotals(row: VehiclePerformanceRow | FleetRow): PerformanceTotals {
  return {
    acKwh: row.ac_kwh,
    dcKwh: row.dc_kwh,
    unlinkedDcKwh: row.unlinked_dc_kwh,
    efficiency: row.efficiency,
    avgBatteryTemp: row.avg_battery_temp,
    meterReadings: row.meter_readings,
    vehicleReadings: row.vehicle_readings,
    ...suspectCounts(row),
    coverage: row.coverage,
    threshold: row.threshold,
    status: row.status,
  };
}

function suspectCounts(row: { suspect_meter_readings: number; suspect_vehicle_readings: number }): SuspectCounts {
  return {
    suspectReadings: row.suspect_meter_readings + row.suspect_vehicle_readings,
    suspectMeterReadings: row.suspect_meter_readings,
    suspectVehicleReadings: row.suspect_vehicle_readings,
  };
}

function vehicleBucket(row: VehiclePerformanceRow): PerformanceBucket {
  return { from: row.bucket_from!.toISOString(), to: row.bucket_to!.toISOString(), ...vehicleTotals(row) };
}

function meterTotals(row: MeterPerformanceRow): MeterTotals {
  return {
    acKwh: row.ac_kwh,
    dcKwh: row.dc_kwh,
    efficiency: row.efficiency,
    unattributedAcKwh: row.unattributed_ac_kwh,
    idleAcKwh: row.idle_ac_kwh,
    meterReadings: row.meter_readings,
    ...suspectCounts(row),
  };
}

function meterBucket(row: MeterPerformanceRow): MeterBucket {
  return { from: row.bucket_from!.toISOString(), to: row.bucket_to!.toISOString(), ...meterTotals(row) };
}

function toFleetVehicle(row: FleetRow): FleetVehicle {
  return {
    vehicleId: row.vehicle_id!,
    meterId: row.meter_id,
    ...vehicleTotals(row),
    belowThreshold: row.status === 'below_threshold',
  };
}

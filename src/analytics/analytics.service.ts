import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LinkNotFound } from '../common/errors/domain-error.ts';
import { Clock } from '../common/time/clock.ts';
import { AppConfig } from '../config/app-config.ts';
import type { FleetQuery, FleetReport, FleetVehicle } from './dto/fleet.dto.ts';
import { BUCKET_SECONDS, type PerformanceQuery } from './dto/performance-query.dto.ts';
import type { PerformanceBucket, PerformanceTotals, VehiclePerformance } from './dto/performance.dto.ts';
import { FLEET_PERFORMANCE, type FleetRow } from './fleet.sql.ts';
import {
  VEHICLE_PERFORMANCE,
  VEHICLE_PERFORMANCE_BUCKETS,
  type VehiclePerformanceBucketRow,
  type VehiclePerformanceRow,
} from './performance.sql.ts';
import { hourlyWindow, performanceWindow, type ReportWindow } from './report-window.ts';

@Injectable()
export class AnalyticsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /**
   * Totals over [from, to): by default the last 24 hours, [now − 24 h, now). With a bucket width,
   * also every bucket of the window (same single statement, one round trip).
   */
  async vehiclePerformance(vehicleId: string, query: PerformanceQuery = {}): Promise<VehiclePerformance> {
    const window = performanceWindow(query, this.clock.now());
    if (query.bucket === undefined) {
      const [row] = await this.dataSource.query<VehiclePerformanceRow[]>(VEHICLE_PERFORMANCE, [
        vehicleId,
        window.from,
        window.to,
      ]);
      return toPerformance(vehicleId, window, row);
    }
    const [totals, ...buckets] = await this.dataSource.query<VehiclePerformanceBucketRow[]>(
      VEHICLE_PERFORMANCE_BUCKETS,
      [vehicleId, window.from, window.to, `${BUCKET_SECONDS[query.bucket]} seconds`],
    );
    return { ...toPerformance(vehicleId, window, totals), buckets: buckets.map(toBucket) };
  }

  /**
   * Every linked vehicle over whole UTC hours [from, to), from the hourly roll-ups; by default the
   * 24 hours ending at the end of the current hour (the current hour counts up to now).
   */
  async fleet(query: FleetQuery): Promise<FleetReport> {
    const window = hourlyWindow(query, this.clock.now());
    const threshold = this.config.FLEET_EFFICIENCY_ALERT_THRESHOLD;
    const rows = await this.dataSource.query<FleetRow[]>(FLEET_PERFORMANCE, [
      window.from,
      window.to,
      threshold,
      query.limit,
      query.offset,
    ]);
    const { total, total_below: totalBelowThreshold } = rows[0]!; // the totals row is always there
    const items = rows.filter((row) => row.vehicle_id !== null).map(toFleetVehicle);
    const nextOffset = query.offset + items.length < total ? query.offset + query.limit : null;
    return {
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      threshold,
      total,
      totalBelowThreshold,
      limit: query.limit,
      offset: query.offset,
      nextOffset,
      items,
    };
  }
}

function toTotals(row: VehiclePerformanceRow | FleetRow): PerformanceTotals {
  return {
    acKwh: row.ac_kwh,
    dcKwh: row.dc_kwh,
    efficiency: row.efficiency,
    avgBatteryTemp: row.avg_battery_temp,
    meterReadings: row.meter_readings,
    vehicleReadings: row.vehicle_readings,
  };
}

function toPerformance(
  vehicleId: string,
  window: ReportWindow,
  row: VehiclePerformanceRow | undefined,
): VehiclePerformance {
  if (!row?.meter_id) throw new LinkNotFound(vehicleId);
  return {
    vehicleId,
    meterId: row.meter_id,
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    ...toTotals(row),
  };
}

function toBucket(row: VehiclePerformanceBucketRow): PerformanceBucket {
  return { from: row.bucket_from!.toISOString(), to: row.bucket_to!.toISOString(), ...toTotals(row) };
}

function toFleetVehicle(row: FleetRow): FleetVehicle {
  return { vehicleId: row.vehicle_id!, meterId: row.meter_id, ...toTotals(row), belowThreshold: row.below_threshold };
}

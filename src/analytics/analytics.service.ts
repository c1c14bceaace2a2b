import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LinkNotFound } from '../common/errors/domain-error.ts';
import { Clock } from '../common/time/clock.ts';
import type { VehiclePerformance } from './dto/performance.dto.ts';
import { VEHICLE_PERFORMANCE, type VehiclePerformanceRow } from './performance.sql.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class AnalyticsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Totals over the last 24 hours, [now − 24 h, now). */
  async vehiclePerformance(vehicleId: string): Promise<VehiclePerformance> {
    const to = this.clock.now();
    const from = new Date(to.getTime() - DAY_MS);
    const [row] = await this.dataSource.query<VehiclePerformanceRow[]>(VEHICLE_PERFORMANCE, [vehicleId, from, to]);
    if (!row?.meter_id) throw new LinkNotFound(vehicleId);
    return {
      vehicleId,
      meterId: row.meter_id,
      from: from.toISOString(),
      to: to.toISOString(),
      acKwh: row.ac_kwh,
      dcKwh: row.dc_kwh,
      efficiency: row.efficiency,
      avgBatteryTemp: row.avg_battery_temp,
      meterReadings: row.meter_readings,
      vehicleReadings: row.vehicle_readings,
    };
  }
}

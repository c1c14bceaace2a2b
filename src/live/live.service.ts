import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeviceNotFound } from '../common/errors/domain-error.ts';
import { toKeysetPage } from '../common/pagination/keyset-page.ts';
import { Clock } from '../common/time/clock.ts';
import type { ListLiveQuery, LivePage, MeterLive, VehicleLive } from './dto/live.dto.ts';
import {
  METER_LIVE,
  METER_LIVE_PAGE,
  type MeterLiveRow,
  VEHICLE_LIVE,
  VEHICLE_LIVE_PAGE,
  type VehicleLiveRow,
} from './live.sql.ts';

const MINUTE_MS = 60_000;

/** Latest state of each device, read from the live tables that telemetry keeps (read-only here). */
@Injectable()
export class LiveService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async meter(meterId: string): Promise<MeterLive> {
    const [row] = await this.dataSource.query<MeterLiveRow[]>(METER_LIVE, [meterId]);
    if (!row) throw new DeviceNotFound('meter', meterId);
    return toMeterLive(row);
  }

  async vehicle(vehicleId: string): Promise<VehicleLive> {
    const [row] = await this.dataSource.query<VehicleLiveRow[]>(VEHICLE_LIVE, [vehicleId]);
    if (!row) throw new DeviceNotFound('vehicle', vehicleId);
    return toVehicleLive(row);
  }

  async meters(query: ListLiveQuery): Promise<LivePage<MeterLive>> {
    const rows = await this.dataSource.query<MeterLiveRow[]>(METER_LIVE_PAGE, this.pageParameters(query));
    return toKeysetPage(rows.map(toMeterLive), query.limit, (meter) => meter.meterId);
  }

  async vehicles(query: ListLiveQuery): Promise<LivePage<VehicleLive>> {
    const rows = await this.dataSource.query<VehicleLiveRow[]>(VEHICLE_LIVE_PAGE, this.pageParameters(query));
    return toKeysetPage(rows.map(toVehicleLive), query.limit, (vehicle) => vehicle.vehicleId);
  }

  /** [after, stale-before, limit + 1]: one row more than the page tells whether another page follows. */
  private pageParameters(query: ListLiveQuery): unknown[] {
    const staleBefore =
      query.staleMinutes === undefined
        ? 'infinity'
        : new Date(this.clock.now().getTime() - query.staleMinutes * MINUTE_MS);
    return [query.after ?? '', staleBefore, query.limit + 1];
  }
}

function toMeterLive(row: MeterLiveRow): MeterLive {
  return {
    meterId: row.meter_id,
    kwhConsumedAc: row.kwh_consumed_ac,
    voltage: row.voltage,
    timestamp: isoFromMicros(row.ts_micros),
    receivedAt: row.received_at.toISOString(),
  };
}

function toVehicleLive(row: VehicleLiveRow): VehicleLive {
  return {
    vehicleId: row.vehicle_id,
    soc: row.soc,
    kwhDeliveredDc: row.kwh_delivered_dc,
    batteryTemp: row.battery_temp,
    timestamp: isoFromMicros(row.ts_micros),
    receivedAt: row.received_at.toISOString(),
  };
}

/**
 * Epoch microseconds as ISO-8601 UTC: `…T10:00:00.123Z` like every other instant of the API,
 * or `…T10:00:00.123456Z` when the reading carries sub-millisecond digits (never rounded away).
 */
export function isoFromMicros(micros: string): string {
  const value = BigInt(micros); // readings are never before 2000: positive
  const millis = value / 1000n;
  const subMillis = value % 1000n;
  const iso = new Date(Number(millis)).toISOString();
  return subMillis === 0n ? iso : iso.replace(/Z$/, `${String(subMillis).padStart(3, '0')}Z`);
}

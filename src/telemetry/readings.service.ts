import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InvalidWindow } from '../common/errors/domain-error.ts';
import { toKeysetPage } from '../common/pagination/keyset-page.ts';
import { Clock } from '../common/time/clock.ts';
import { parseInstant } from '../common/time/instant.ts';
import { isoFromMicros } from '../common/time/micros.ts';
import type {
  ListReadingsQuery,
  MeterReadingsPage,
  StoredMeterReading,
  StoredReadingFacts,
  StoredVehicleReading,
  VehicleReadingsPage,
} from './dto/readings.dto.ts';
import { METER_READINGS, type ReadingRow, VEHICLE_READINGS } from './readings.sql.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What an operator sees of a device's stored readings: as sent, what each counts, and its quality. */
@Injectable()
export class ReadingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async meter(meterId: string, query: ListReadingsQuery): Promise<MeterReadingsPage> {
    const { from, to, params } = this.parameters(meterId, query);
    const rows = await this.dataSource.query<ReadingRow[]>(METER_READINGS, params);
    const items = rows.map((row): StoredMeterReading => ({
      ...facts(row),
      kwhConsumedAc: row.kwh_sent,
      voltage: row.voltage!,
    }));
    return { meterId, from, to, ...toKeysetPage(items, query.limit, (item) => item.timestamp) };
  }

  async vehicle(vehicleId: string, query: ListReadingsQuery): Promise<VehicleReadingsPage> {
    const { from, to, params } = this.parameters(vehicleId, query);
    const rows = await this.dataSource.query<ReadingRow[]>(VEHICLE_READINGS, params);
    const items = rows.map((row): StoredVehicleReading => ({
      ...facts(row),
      soc: row.soc!,
      kwhDeliveredDc: row.kwh_sent,
      batteryTemp: row.battery_temp!,
    }));
    return { vehicleId, from, to, ...toKeysetPage(items, query.limit, (item) => item.timestamp) };
  }

  private parameters(deviceId: string, query: ListReadingsQuery): { from: string; to: string; params: unknown[] } {
    const to = query.to === undefined ? this.clock.now() : new Date(parseInstant(query.to)!.epochMs);
    const from =
      query.from === undefined ? new Date(to.getTime() - DAY_MS) : new Date(parseInstant(query.from)!.epochMs);
    if (from.getTime() >= to.getTime())
      throw new InvalidWindow([{ field: 'from', errors: ['from must be before to'] }]);
    const after = query.after === undefined ? '-infinity' : parseInstant(query.after)!.iso;
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      params: [deviceId, from, to, after, query.quality ?? null, query.limit + 1],
    };
  }
}

function facts(row: ReadingRow): StoredReadingFacts {
  return {
    timestamp: isoFromMicros(row.micros),
    energyKwh: row.energy_kwh,
    quality: row.quality,
    qualityReason: row.quality_reason,
    receivedAt: row.received_at.toISOString(),
  };
}

import { type CsvTable, fileStamp } from '../common/csv/csv-table.ts';
import type { MeterReadingsPage, VehicleReadingsPage } from './dto/readings.dto.ts';

/**
 * A device's readings list as CSV: one row per reading of the page, the fields of the JSON items
 * (as sent, energy counted, quality and why) after the device id. A page that is not the last says
 * so in the `Next-Cursor` response header (the JSON's `nextCursor`: pass it as `after`).
 */
const FACTS = ['energyKwh', 'quality', 'qualityReason', 'receivedAt'] as const;

const nextCursorHeader = (page: { nextCursor: string | null }): Record<string, string> =>
  page.nextCursor === null ? {} : { 'Next-Cursor': page.nextCursor };

export const METER_READINGS_CSV: CsvTable<MeterReadingsPage> = {
  columns: ['meterId', 'timestamp', 'kwhConsumedAc', 'voltage', ...FACTS],
  filename: (page) => `meter_${page.meterId}_readings_${fileStamp(page.from)}_${fileStamp(page.to)}.csv`,
  rows: (page) => page.items.map((item) => ({ meterId: page.meterId, ...item })),
  headers: nextCursorHeader,
};

export const VEHICLE_READINGS_CSV: CsvTable<VehicleReadingsPage> = {
  columns: ['vehicleId', 'timestamp', 'soc', 'kwhDeliveredDc', 'batteryTemp', ...FACTS],
  filename: (page) => `vehicle_${page.vehicleId}_readings_${fileStamp(page.from)}_${fileStamp(page.to)}.csv`,
  rows: (page) => page.items.map((item) => ({ vehicleId: page.vehicleId, ...item })),
  headers: nextCursorHeader,
};

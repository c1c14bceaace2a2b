import { type CsvTable, fileStamp } from '../common/csv/csv-table.ts';
import type { FleetReport } from './dto/fleet.dto.ts';
import type { MeterPerformance } from './dto/meter-performance.dto.ts';
import type { VehiclePerformance } from './dto/performance.dto.ts';

/**
 * The analytics answers as CSV tables: the same rows and numbers as the JSON (nothing recomputed),
 * one header row. Where an answer holds several kinds of rows (a vehicle's totals, its meters and
 * its buckets), a `kind` column says which each row is.
 */

const SUSPECT_COUNTS = ['suspectReadings', 'suspectMeterReadings', 'suspectVehicleReadings'] as const;

const VEHICLE_FIGURES = [
  'acKwh',
  'dcKwh',
  'unlinkedDcKwh',
  'efficiency',
  'avgBatteryTemp',
  'meterReadings',
  'vehicleReadings',
  ...SUSPECT_COUNTS,
  'coverage',
  'threshold',
  'status',
] as const;

/** One row per vehicle of the page, in the report's order; the window on every row. */
export const FLEET_CSV: CsvTable<FleetReport> = {
  columns: ['from', 'to', 'vehicleId', 'meterId', ...VEHICLE_FIGURES, 'belowThreshold'],
  filename: (report) => `fleet_${fileStamp(report.from)}_${fileStamp(report.to)}.csv`,
  rows: (report) => report.items.map((item) => ({ from: report.from, to: report.to, ...item })),
};

/** kind `total` (the window; meterId = the current link), `meter` (each meter used), `bucket`. */
export const VEHICLE_CSV: CsvTable<VehiclePerformance> = {
  columns: ['kind', 'vehicleId', 'meterId', 'from', 'to', ...VEHICLE_FIGURES],
  filename: (answer) => `vehicle_${answer.vehicleId}_${fileStamp(answer.from)}_${fileStamp(answer.to)}.csv`,
  *rows(answer) {
    const { meters, buckets, ...total } = answer;
    yield { kind: 'total', ...total };
    for (const meter of meters) yield { kind: 'meter', vehicleId: answer.vehicleId, ...meter };
    for (const bucket of buckets ?? []) yield { kind: 'bucket', vehicleId: answer.vehicleId, ...bucket };
  },
};

/** kind `total` (the window), `vehicle` (each vehicle's share over the window), `bucket`. */
export const METER_CSV: CsvTable<MeterPerformance> = {
  columns: [
    'kind',
    'meterId',
    'vehicleId',
    'from',
    'to',
    'acKwh',
    'dcKwh',
    'efficiency',
    'unattributedAcKwh',
    'idleAcKwh',
    'meterReadings',
    ...SUSPECT_COUNTS,
    'threshold',
  ],
  filename: (answer) => `meter_${answer.meterId}_${fileStamp(answer.from)}_${fileStamp(answer.to)}.csv`,
  *rows(answer) {
    const { vehicles, buckets, ...total } = answer;
    const window = { meterId: answer.meterId, from: answer.from, to: answer.to };
    yield { kind: 'total', ...total };
    for (const vehicle of vehicles) yield { kind: 'vehicle', ...window, ...vehicle };
    for (const bucket of buckets ?? []) yield { kind: 'bucket', meterId: answer.meterId, ...bucket };
  },
};

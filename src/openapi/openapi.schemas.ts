import type { SchemaObject } from '@nestjs/swagger';
import { DEVICE_ID_MAX_LENGTH, DEVICE_ID_PATTERN } from '../common/validation/decorators.ts';

/**
 * Hand-written JSON schemas still used by links/ and analytics/, which are being rewritten: convert
 * them to response classes the way the other modules are (see the note in openapi.setup.ts), then
 * delete this file. Everything else is generated from the DTOs and response classes.
 */
const deviceId: SchemaObject = {
  type: 'string',
  minLength: 1,
  maxLength: DEVICE_ID_MAX_LENGTH,
  pattern: DEVICE_ID_PATTERN.source,
};
const utcInstant: SchemaObject = { type: 'string', format: 'date-time', example: '2026-11-26T10:00:00.000Z' };
const nullableNumber = (description: string): SchemaObject => ({ type: 'number', nullable: true, description });
const count: SchemaObject = { type: 'integer', minimum: 0 };

export const LINK_BODY: SchemaObject = {
  type: 'object',
  required: ['vehicleId', 'meterId'],
  properties: { vehicleId: deviceId, meterId: deviceId },
};

export const LINK: SchemaObject = {
  type: 'object',
  properties: { vehicleId: deviceId, meterId: deviceId, createdAt: utcInstant, updatedAt: utcInstant },
};

export const pageOf = (item: SchemaObject): SchemaObject => ({
  type: 'object',
  properties: {
    items: { type: 'array', items: item },
    nextCursor: { type: 'string', nullable: true, description: 'Pass as `after` for the next page; null on the last' },
  },
});

const performanceTotals = {
  acKwh: { type: 'number', description: 'AC energy drawn by the linked meter, kWh' },
  dcKwh: { type: 'number', description: 'DC energy delivered to the battery, kWh' },
  efficiency: nullableNumber('dcKwh / acKwh; null when no AC energy was recorded'),
  avgBatteryTemp: nullableNumber('Mean battery temperature, °C; null without readings'),
  meterReadings: count,
  vehicleReadings: count,
} satisfies Record<string, SchemaObject>;

export const VEHICLE_PERFORMANCE: SchemaObject = {
  type: 'object',
  properties: {
    vehicleId: deviceId,
    meterId: deviceId,
    from: { ...utcInstant, description: 'Inclusive' },
    to: { ...utcInstant, description: 'Exclusive' },
    ...performanceTotals,
    buckets: {
      type: 'array',
      description: 'Only with `bucket`: every bucket of the window, oldest first',
      items: { type: 'object', properties: { from: utcInstant, to: utcInstant, ...performanceTotals } },
    },
  },
};

export const FLEET_REPORT: SchemaObject = {
  type: 'object',
  properties: {
    from: { ...utcInstant, description: 'Inclusive, a whole UTC hour' },
    to: { ...utcInstant, description: 'Exclusive, a whole UTC hour' },
    threshold: { type: 'number', example: 0.85 },
    total: count,
    totalBelowThreshold: count,
    limit: count,
    offset: count,
    nextOffset: { type: 'integer', nullable: true },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          vehicleId: deviceId,
          meterId: deviceId,
          ...performanceTotals,
          belowThreshold: { type: 'boolean' },
        },
      },
    },
  },
};

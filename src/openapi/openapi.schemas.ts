import type { SchemaObject } from '@nestjs/swagger';
import { DEVICE_ID_MAX_LENGTH, DEVICE_ID_PATTERN } from '../common/validation/decorators.ts';
import { READING_LIMITS } from '../telemetry/dto/reading-limits.ts';

/**
 * JSON schemas of what the API takes and answers, for the OpenAPI document. Bodies are validated
 * by the class-validator DTOs; these describe the same rules for clients, from the same constants.
 */
const deviceId: SchemaObject = {
  type: 'string',
  minLength: 1,
  maxLength: DEVICE_ID_MAX_LENGTH,
  pattern: DEVICE_ID_PATTERN.source,
};
const instant: SchemaObject = {
  type: 'string',
  format: 'date-time',
  description: 'ISO-8601 instant with a zone (Z or ±hh:mm), up to microseconds',
  example: '2026-11-26T10:00:00Z',
};
const utcInstant: SchemaObject = { type: 'string', format: 'date-time', example: '2026-11-26T10:00:00.000Z' };
const kwh: SchemaObject = {
  type: 'number',
  minimum: 0,
  maximum: READING_LIMITS.kwhMax,
  description: 'kWh in the interval',
};
const nullableNumber = (description: string): SchemaObject => ({ type: 'number', nullable: true, description });
const count: SchemaObject = { type: 'integer', minimum: 0 };

export const METER_READING: SchemaObject = {
  type: 'object',
  required: ['meterId', 'kwhConsumedAc', 'voltage', 'timestamp'],
  properties: {
    meterId: deviceId,
    kwhConsumedAc: { ...kwh, example: 1.23 },
    voltage: { type: 'number', exclusiveMinimum: true, minimum: 0, maximum: READING_LIMITS.voltageMax, example: 229.8 },
    timestamp: instant,
  },
  description: 'A smart meter reading: AC energy drawn from the grid in the interval. Unknown fields are ignored.',
};

export const VEHICLE_READING: SchemaObject = {
  type: 'object',
  required: ['vehicleId', 'soc', 'kwhDeliveredDc', 'batteryTemp', 'timestamp'],
  properties: {
    vehicleId: deviceId,
    soc: { type: 'number', minimum: 0, maximum: 100, description: 'State of charge, %', example: 64.5 },
    kwhDeliveredDc: { ...kwh, example: 1.1 },
    batteryTemp: {
      type: 'number',
      minimum: READING_LIMITS.batteryTempMin,
      maximum: READING_LIMITS.batteryTempMax,
      description: '°C',
      example: 31.2,
    },
    timestamp: instant,
  },
  description: 'A vehicle reading: DC energy that reached the battery in the interval. Unknown fields are ignored.',
};

export const TELEMETRY_BODY: SchemaObject = {
  oneOf: [
    METER_READING,
    VEHICLE_READING,
    { type: 'array', minItems: 1, items: { oneOf: [METER_READING, VEHICLE_READING] } },
  ],
  description: 'One reading, or a batch (array, meters and vehicles mixed, at most BATCH_MAX_READINGS)',
};

export const INGEST_ACK: SchemaObject = {
  type: 'object',
  required: ['accepted', 'duplicates'],
  properties: {
    accepted: { ...count, description: 'Readings stored by this request' },
    duplicates: { ...count, description: 'Readings already stored (same device and timestamp): not stored again' },
  },
};

export const ERROR_BODY: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 400 },
    error: { type: 'string', example: 'Bad Request' },
    message: { type: 'string', example: 'Validation failed: voltage must be a positive number' },
    details: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string', example: '[3].voltage' },
          errors: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

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

export const METER_LIVE: SchemaObject = {
  type: 'object',
  properties: {
    meterId: deviceId,
    kwhConsumedAc: { type: 'number' },
    voltage: { type: 'number' },
    timestamp: utcInstant,
    receivedAt: utcInstant,
  },
};

export const VEHICLE_LIVE: SchemaObject = {
  type: 'object',
  properties: {
    vehicleId: deviceId,
    soc: { type: 'number' },
    kwhDeliveredDc: { type: 'number' },
    batteryTemp: { type: 'number' },
    timestamp: utcInstant,
    receivedAt: utcInstant,
  },
};

export const HEALTH_REPORT: SchemaObject = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    checks: { type: 'object', properties: { database: { type: 'string', enum: ['up', 'down'] } } },
  },
};

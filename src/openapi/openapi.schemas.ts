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
  properties: {
    vehicleId: deviceId,
    meterId: deviceId,
    validFrom: {
      ...instant,
      description:
        "From when (not in the future, whole ms). Omitted: a vehicle's first link covers all time before; a re-point starts now",
    },
    replaceLater: {
      type: 'boolean',
      description: 'Let a backdated validFrom replace the periods that started after it',
    },
  },
};

const linkPeriod = {
  meterId: deviceId,
  validFrom: { ...utcInstant, nullable: true, description: 'Inclusive; null: all time before validTo' },
  validTo: { ...utcInstant, nullable: true, description: 'Exclusive; null: the current link' },
  recordedAt: utcInstant,
} satisfies Record<string, SchemaObject>;

export const LINK: SchemaObject = { type: 'object', properties: { vehicleId: deviceId, ...linkPeriod } };

export const LINK_HISTORY: SchemaObject = {
  type: 'object',
  properties: {
    vehicleId: deviceId,
    items: { type: 'array', description: 'Newest first', items: { type: 'object', properties: linkPeriod } },
  },
};

export const pageOf = (item: SchemaObject): SchemaObject => ({
  type: 'object',
  properties: {
    items: { type: 'array', items: item },
    nextCursor: { type: 'string', nullable: true, description: 'Pass as `after` for the next page; null on the last' },
  },
});

const status: SchemaObject = {
  type: 'string',
  enum: ['ok', 'below_threshold', 'insufficient_data'],
  description: 'insufficient_data: no DC while linked, no attributed AC, or coverage under MIN_COVERAGE',
};

const performanceTotals = {
  acKwh: {
    type: 'number',
    description: "AC attributed to the vehicle (its share of its meters' AC while linked), kWh",
  },
  dcKwh: { type: 'number', description: 'DC delivered to the battery while linked, kWh' },
  unlinkedDcKwh: { type: 'number', description: 'DC reported while linked to no meter: not in the efficiency, kWh' },
  efficiency: nullableNumber('dcKwh / acKwh; null without attributed AC'),
  avgBatteryTemp: nullableNumber('Mean battery temperature, °C; null without readings'),
  meterReadings: count,
  vehicleReadings: count,
  coverage: { type: 'number', minimum: 0, maximum: 1, description: 'vehicleReadings / readings expected' },
  status,
} satisfies Record<string, SchemaObject>;

export const VEHICLE_PERFORMANCE: SchemaObject = {
  type: 'object',
  properties: {
    vehicleId: deviceId,
    meterId: { ...deviceId, nullable: true, description: 'The current link; null when unlinked' } as SchemaObject,
    from: { ...utcInstant, description: 'Inclusive' },
    to: { ...utcInstant, description: 'Exclusive' },
    ...performanceTotals,
    meters: {
      type: 'array',
      description: 'Meters the vehicle was linked to in the window',
      items: {
        type: 'object',
        properties: { meterId: deviceId, from: utcInstant, to: utcInstant, acKwh: { type: 'number' } },
      },
    },
    buckets: {
      type: 'array',
      description: 'Only with `bucket`: every bucket of the window, oldest first',
      items: { type: 'object', properties: { from: utcInstant, to: utcInstant, ...performanceTotals } },
    },
  },
};

const meterTotals = {
  acKwh: { type: 'number', description: 'Everything the meter measured, kWh' },
  dcKwh: { type: 'number', description: 'DC delivered to all vehicles while linked to the meter, kWh' },
  efficiency: nullableNumber('dcKwh / acKwh; null without AC'),
  unattributedAcKwh: { type: 'number', description: 'AC while no vehicle was linked, kWh' },
  idleAcKwh: { type: 'number', description: 'AC of hours in which no linked vehicle reported DC, kWh' },
  meterReadings: count,
} satisfies Record<string, SchemaObject>;

export const METER_PERFORMANCE: SchemaObject = {
  type: 'object',
  properties: {
    meterId: deviceId,
    from: { ...utcInstant, description: 'Inclusive' },
    to: { ...utcInstant, description: 'Exclusive' },
    ...meterTotals,
    vehicles: {
      type: 'array',
      description:
        "Vehicles linked in the window: their attributed shares (Σ acKwh + unattributedAcKwh = the meter's acKwh)",
      items: {
        type: 'object',
        properties: {
          vehicleId: deviceId,
          acKwh: { type: 'number' },
          dcKwh: { type: 'number' },
          efficiency: nullableNumber('dcKwh / acKwh'),
        },
      },
    },
    buckets: {
      type: 'array',
      description: 'Only with `bucket`',
      items: { type: 'object', properties: { from: utcInstant, to: utcInstant, ...meterTotals } },
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
    totalInsufficientData: count,
    matching: { ...count, description: 'Vehicles matching the status filter' },
    limit: count,
    offset: count,
    nextOffset: { type: 'integer', nullable: true },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          vehicleId: deviceId,
          meterId: { ...deviceId, description: "The meter of the vehicle's latest link period in the window" },
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

import { Injectable, PayloadTooLargeException, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { RequestValidationError, toFieldProblems } from '../common/errors/request-validation.error.ts';
import type { FieldProblem } from '../common/errors/error-body.ts';
import { parseInstant } from '../common/time/instant.ts';
import { validatedInstant } from '../common/validation/decorators.ts';
import { VALIDATION_OPTIONS } from '../common/validation/validation-options.ts';
import { AppConfig } from '../config/app-config.ts';
import { Metrics } from '../observability/metrics.ts';
import { MeterReadingDto } from './dto/meter-reading.dto.ts';
import { VehicleReadingDto } from './dto/vehicle-reading.dto.ts';
import type { Reading, ReadingsBody } from './reading.ts';

/**
 * Turns a telemetry body (one reading or an array of them) into validated readings, or a 400
 * naming every bad field of every bad reading. class-validator cannot validate a root-level
 * union, so the pipe first picks the DTO by which id the reading carries. The rules that need
 * "now" (future, age, retention) are TelemetryService's, with the injected Clock.
 */
@Injectable()
export class TelemetryBodyPipe implements PipeTransform<unknown, ReadingsBody> {
  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  transform(body: unknown): ReadingsBody {
    const isBatch = Array.isArray(body);
    const items: unknown[] = isBatch ? body : [body];
    if (isBatch && items.length === 0) {
      throw new RequestValidationError([{ field: '(body)', errors: ['a batch must hold at least one reading'] }]);
    }
    if (items.length > this.config.BATCH_MAX_READINGS) {
      throw new PayloadTooLargeException(
        `A batch holds at most ${this.config.BATCH_MAX_READINGS} readings; this one holds ${items.length}`,
      );
    }
    const problems: FieldProblem[] = [];
    const readings: Reading[] = [];
    items.forEach((item, index) => {
      const prefix = isBatch ? `[${index}]` : '';
      const result = toReading(item, prefix);
      if (Array.isArray(result)) problems.push(...result);
      else readings.push(result);
    });
    if (problems.length > 0) {
      this.countRejections(items, problems);
      throw new RequestValidationError(problems);
    }
    return { readings, isBatch };
  }

  /** One count per refused reading, by its kind and the first field that failed. */
  private countRejections(items: unknown[], problems: FieldProblem[]): void {
    const firstProblem = new Map<number, string>();
    for (const problem of problems) {
      const match = /^(?:\[(\d+)\])?\.?(.*)$/.exec(problem.field);
      const index = Number(match?.[1] ?? 0);
      if (!firstProblem.has(index)) firstProblem.set(index, match?.[2] || 'body');
    }
    for (const [index, field] of firstProblem) {
      this.metrics.rejected.inc({ kind: kindOf(items[index]), reason: `invalid_${field.replace(/\W/g, '_')}` });
    }
  }
}

function kindOf(item: unknown): string {
  if (typeof item !== 'object' || item === null) return 'unknown';
  const hasMeter = 'meterId' in item;
  const hasVehicle = 'vehicleId' in item;
  return hasMeter === hasVehicle ? 'unknown' : hasMeter ? 'meter' : 'vehicle';
}

function toReading(item: unknown, prefix: string): Reading | FieldProblem[] {
  const at = (field: string): string => (prefix ? `${prefix}.${field}` : field);
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return [{ field: prefix || '(body)', errors: ['a reading must be a JSON object'] }];
  }
  const hasMeter = 'meterId' in item;
  const hasVehicle = 'vehicleId' in item;
  if (hasMeter === hasVehicle) {
    const why = hasMeter ? 'carries both meterId and vehicleId' : 'carries neither meterId nor vehicleId';
    return [{ field: at('meterId|vehicleId'), errors: [`a reading ${why}: send exactly one`] }];
  }
  const dto: MeterReadingDto | VehicleReadingDto = hasMeter
    ? plainToInstance(MeterReadingDto, item)
    : plainToInstance(VehicleReadingDto, item);
  const errors = validateSync(dto, VALIDATION_OPTIONS);
  if (errors.length > 0) return toFieldProblems(errors, prefix);

  const instant = validatedInstant(dto, 'timestamp') ?? parseInstant(dto.timestamp)!;
  return dto instanceof MeterReadingDto
    ? { kind: 'meter', deviceId: dto.meterId, instant, kwhConsumedAc: dto.kwhConsumedAc, voltage: dto.voltage }
    : {
        kind: 'vehicle',
        deviceId: dto.vehicleId,
        instant,
        soc: dto.soc,
        kwhDeliveredDc: dto.kwhDeliveredDc,
        batteryTemp: dto.batteryTemp,
      };
}

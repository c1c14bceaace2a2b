import { applyDecorators } from '@nestjs/common';
import { IsNumber, IsString, Length, Matches, ValidateBy, type ValidationOptions } from 'class-validator';
import { parseInstant } from '../time/instant.ts';

/** Letters, digits and `. _ : -`: safe in URLs, logs and CSV exports, unambiguous in any client. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
export const DEVICE_ID_MAX_LENGTH = 64;

/** Readings stamped before this are a device whose clock was never set (1970), not data. */
export const EARLIEST_READING_MS = Date.UTC(2000, 0, 1);

export const IsDeviceId = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    Length(1, DEVICE_ID_MAX_LENGTH),
    Matches(DEVICE_ID_PATTERN, { message: '$property may contain only letters, digits and . _ : -' }),
  );

/** A JSON number that is finite: `IsNumber` alone lets `1e400` (Infinity) through. */
export const IsFiniteNumber = (options?: ValidationOptions): PropertyDecorator =>
  IsNumber({ allowNaN: false, allowInfinity: false }, options);

export const IsInstantWithZone = (): PropertyDecorator =>
  ValidateBy({
    name: 'isInstantWithZone',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        const instant = parseInstant(value);
        return instant !== undefined && instant.epochMs >= EARLIEST_READING_MS;
      },
      defaultMessage: () =>
        '$property must be an ISO-8601 instant with a time zone (e.g. 2026-11-26T10:00:00Z), not before 2000-01-01',
    },
  });

import { applyDecorators } from '@nestjs/common';
import { IsNumber, IsString, Length, Matches, ValidateBy, type ValidationOptions } from 'class-validator';
import { type ParsedInstant, parseInstant } from '../time/instant.ts';
import { isTimeZone } from '../time/time-zone.ts';

/** Letters, digits and `. _ : -`: safe in URLs, logs and CSV exports, unambiguous in any client. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
export const DEVICE_ID_MAX_LENGTH = 64;

/** Readings stamped before this are a device whose clock was never set (1970), not data. */
export const EARLIEST_READING_MS = Date.UTC(2000, 0, 1);

/** The device-id rule for the OpenAPI document (path parameters, bodies, answers). */
export const DEVICE_ID_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: DEVICE_ID_MAX_LENGTH,
  pattern: DEVICE_ID_PATTERN.source,
} as const;

/** An instant as clients send it: ISO-8601 with a zone, up to microseconds. */
export const INSTANT_WITH_ZONE_SCHEMA = {
  type: 'string',
  format: 'date-time',
  description: 'ISO-8601 instant with a zone (Z or ±hh:mm), up to microseconds, not before 2000-01-01',
  example: '2026-11-26T10:00:00Z',
} as const;

/** An instant as the service answers it: ISO-8601 UTC. */
export const UTC_INSTANT_SCHEMA = { type: 'string', format: 'date-time', example: '2026-11-26T10:00:00.000Z' } as const;

export const IsDeviceId = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    Length(1, DEVICE_ID_MAX_LENGTH),
    Matches(DEVICE_ID_PATTERN, { message: '$property may contain only letters, digits and . _ : -' }),
  );

/** A JSON number that is finite: `IsNumber` alone lets `1e400` (Infinity) through. */
export const IsFiniteNumber = (options?: ValidationOptions): PropertyDecorator =>
  IsNumber({ allowNaN: false, allowInfinity: false }, options);

/** Instants parsed while validating, by object and property, so that each is parsed once. */
const validatedInstants = new WeakMap<object, Map<string, ParsedInstant>>();

/** The instant a validated `@IsInstantWithZone()` property holds, parsed during validation. */
export function validatedInstant(object: object, property: string): ParsedInstant | undefined {
  return validatedInstants.get(object)?.get(property);
}

export const IsInstantWithZone = (): PropertyDecorator =>
  ValidateBy({
    name: 'isInstantWithZone',
    validator: {
      validate: (value: unknown, args) => {
        if (typeof value !== 'string') return false;
        const instant = parseInstant(value);
        if (instant === undefined || instant.epochMs < EARLIEST_READING_MS) return false;
        if (args) {
          const byProperty = validatedInstants.get(args.object) ?? new Map<string, ParsedInstant>();
          validatedInstants.set(args.object, byProperty.set(args.property, instant));
        }
        return true;
      },
      defaultMessage: () =>
        '$property must be an ISO-8601 instant with a time zone (e.g. 2026-11-26T10:00:00Z), not before 2000-01-01',
    },
  });

/** An IANA time zone (Europe/Berlin, Asia/Kolkata, UTC); abbreviations such as CEST are not zones. */
export const IsTimeZone = (): PropertyDecorator =>
  ValidateBy({
    name: 'isTimeZone',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isTimeZone(value),
      defaultMessage: () => '$property must be an IANA time zone such as Europe/Berlin or UTC',
    },
  });

/** A calendar date, YYYY-MM-DD. */
export const IsCalendarDay = (): PropertyDecorator =>
  Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: '$property must be a date, YYYY-MM-DD' });

import type { ValidatorOptions } from 'class-validator';

/**
 * Shared by the global ValidationPipe and the telemetry body pipe. Unknown fields are stripped,
 * not rejected: a firmware update that adds a field must not silently stop a fleet's data.
 */
export const VALIDATION_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: false,
  forbidUnknownValues: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
};

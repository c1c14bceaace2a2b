import type { FieldProblem } from './error-body.ts';

/** Errors that services raise; the HTTP layer maps their codes to statuses in one place. */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  /** Seconds after which a retry may succeed (503s). */
  readonly retryAfterSeconds?: number;
  /** The request fields at fault (400s), answered as the error body's `details`. */
  readonly details?: FieldProblem[];

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type DomainErrorCode =
  | 'LINK_NOT_FOUND'
  | 'LINK_CONFLICT'
  | 'INVALID_LINK'
  | 'METER_NOT_FOUND'
  | 'DEVICE_NOT_FOUND'
  | 'INVALID_WINDOW'
  | 'WRITER_OVERLOADED'
  | 'WRITE_FAILED'
  | 'READING_OUT_OF_RANGE'
  | 'WRITER_CLOSING'
  | 'DEVICE_NOT_REGISTERED'
  | 'DEVICE_MODE_CONFLICT';

export class LinkNotFound extends DomainError {
  readonly code = 'LINK_NOT_FOUND';
  constructor(vehicleId: string) {
    super(`No meter is linked to vehicle '${vehicleId}'`);
  }
}

/**
 * A backdated link would replace link periods that started after its validFrom: refused unless the
 * request says `replaceLater: true` (billing history is never rewritten by accident).
 */
export class LinkConflict extends DomainError {
  readonly code = 'LINK_CONFLICT';
  constructor(message: string) {
    super(message);
  }
}

/** A link request whose fields are well-formed but not acceptable (a validFrom in the future). */
export class InvalidLink extends DomainError {
  readonly code = 'INVALID_LINK';
  override readonly details: FieldProblem[];
  constructor(problems: FieldProblem[]) {
    super(`Invalid link: ${problems.flatMap((problem) => problem.errors).join('; ')}`);
    this.details = problems;
  }
}

/** Neither a reading nor a link has ever named the meter. */
export class MeterNotFound extends DomainError {
  readonly code = 'METER_NOT_FOUND';
  constructor(meterId: string) {
    super(`Meter '${meterId}' has never reported and was never linked`);
  }
}

/** No reading has ever been stored for the device, so it has no live state. */
export class DeviceNotFound extends DomainError {
  readonly code = 'DEVICE_NOT_FOUND';
  constructor(kind: 'meter' | 'vehicle', deviceId: string) {
    super(`No reading has been received from ${kind} '${deviceId}'`);
  }
}

/** A reporting window the service will not compute (bounds out of order, too long, not aligned). */
export class InvalidWindow extends DomainError {
  readonly code = 'INVALID_WINDOW';
  override readonly details: FieldProblem[];
  constructor(problems: FieldProblem[]) {
    super(`Invalid window: ${problems.flatMap((problem) => problem.errors).join('; ')}`);
    this.details = problems;
  }
}

/** The write queue is full: the client should retry shortly. Nothing of the request was stored. */
export class WriterOverloaded extends DomainError {
  readonly code = 'WRITER_OVERLOADED';
  override readonly retryAfterSeconds = 1;
  constructor() {
    super('Ingestion is saturated; nothing was stored, retry shortly');
  }
}

/** The flush holding the request failed and was rolled back: nothing of the request was stored. */
export class WriteFailed extends DomainError {
  readonly code = 'WRITE_FAILED';
  override readonly retryAfterSeconds = 2;
  constructor() {
    super('The readings could not be stored; nothing was stored, retry shortly');
  }
}

/** Readings whose timestamp is too far ahead of the clock, or older than the service keeps: nothing was stored. */
export class ReadingOutOfRange extends DomainError {
  readonly code = 'READING_OUT_OF_RANGE';
  override readonly details: FieldProblem[];
  constructor(problems: FieldProblem[]) {
    super(`Validation failed: ${problems.flatMap((problem) => problem.errors).join('; ')}`);
    this.details = problems;
  }
}

/** The instance is shutting down: nothing of the request was stored; another replica (or this one restarted) takes it. */
export class WriterClosing extends DomainError {
  readonly code = 'WRITER_CLOSING';
  override readonly retryAfterSeconds = 1;
  constructor() {
    super('The service is shutting down; nothing was stored, retry shortly');
  }
}

/** GET of a device that was never registered (it reports in interval mode, the default). */
export class DeviceNotRegistered extends DomainError {
  readonly code = 'DEVICE_NOT_REGISTERED';
  constructor(kind: 'meter' | 'vehicle', deviceId: string) {
    super(`The ${kind} '${deviceId}' is not registered (it reports interval energy, the default)`);
  }
}

/** A mode change that would apply to readings already stored (and billed): it applies only after them. */
export class DeviceModeConflict extends DomainError {
  readonly code = 'DEVICE_MODE_CONFLICT';
  constructor(message: string) {
    super(message);
  }
}

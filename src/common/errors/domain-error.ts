/** Errors that services raise; the HTTP layer maps their codes to statuses in one place. */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  /** Seconds after which a retry may succeed (503s). */
  readonly retryAfterSeconds?: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type DomainErrorCode = 'LINK_NOT_FOUND' | 'WRITER_OVERLOADED' | 'WRITE_FAILED';

export class LinkNotFound extends DomainError {
  readonly code = 'LINK_NOT_FOUND';
  constructor(vehicleId: string) {
    super(`No meter is linked to vehicle '${vehicleId}'`);
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

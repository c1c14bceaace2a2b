import { Injectable } from '@nestjs/common';
import type { IngestAck, Reading } from './reading.ts';
import { TelemetryWriter } from './telemetry.writer.ts';

@Injectable()
export class TelemetryService {
  constructor(private readonly writer: TelemetryWriter) {}

  /** Stores validated readings (history and live state) and answers once they are committed. */
  ingest(readings: Reading[]): Promise<IngestAck> {
    return this.writer.write(readings);
  }
}

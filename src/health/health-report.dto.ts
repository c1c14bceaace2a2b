import { ApiProperty } from '@nestjs/swagger';

export class HealthChecks {
  @ApiProperty({ enum: ['up', 'down'] }) database!: 'up' | 'down';
}

/** Readiness: whether the database is connected, migrated and answers. */
export class HealthReport {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status!: 'ok' | 'unavailable';
  @ApiProperty({ type: HealthChecks }) checks!: HealthChecks;
}

/** Liveness: the process serves requests. */
export class LivenessReport {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { IngestAck } from '../reading.ts';

/** The answer to an ingest, for the OpenAPI document; `implements` keeps it in step with the type. */
@ApiSchema({ name: 'IngestAck' })
export class IngestAckDto implements IngestAck {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Readings stored by this request' })
  accepted!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description:
      'Readings already stored (same device and timestamp), or repeated within the request: not stored again',
  })
  duplicates!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Of the readings stored, those flagged suspect (implausible: stored, left out of every total)',
  })
  suspect!: number;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Of the duplicates, those whose values differ from the reading already held (which is kept)',
  })
  conflicts!: number;
}

import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsPositive, Min } from 'class-validator';
import {
  DEVICE_ID_SCHEMA,
  INSTANT_WITH_ZONE_SCHEMA,
  IsDeviceId,
  IsFiniteNumber,
  IsInstantWithZone,
} from '../../common/validation/decorators.ts';

/**
 * What a smart meter reports each minute: AC energy drawn in that interval, or its cumulative register
 * when the meter is registered in `register` mode. Only structure is refused (400); a value beyond the
 * plausibility bounds (SUSPECT_*) is stored and flagged `suspect` (README "Data quality").
 */
@ApiSchema({
  name: 'MeterReading',
  description:
    "A smart meter reading: AC energy drawn in the interval (interval mode, the default) or the register's value " +
    '(register mode, see PUT /v1/meters/{meterId}). Values beyond the plausibility bounds are stored and flagged ' +
    'suspect, not refused. Unknown fields are ignored.',
})
export class MeterReadingDto {
  @ApiProperty(DEVICE_ID_SCHEMA)
  @IsDeviceId()
  meterId!: string;
  // The type check is written last: class-validator runs a property's decorators bottom-up and reports
  // only the first failure (stopAtFirstError), so a missing or string value must fail as "not a number".
  @ApiProperty({
    minimum: 0,
    description: 'kWh in the interval, or the register value in kWh (register mode)',
    example: 1.23,
  })
  @Min(0)
  @IsFiniteNumber()
  kwhConsumedAc!: number;
  @ApiProperty({
    exclusiveMinimum: true,
    minimum: 0,
    description: 'V; above SUSPECT_VOLTAGE_MAX the reading is flagged suspect',
    example: 229.8,
  })
  @IsPositive()
  @IsFiniteNumber()
  voltage!: number;
  @ApiProperty(INSTANT_WITH_ZONE_SCHEMA)
  @IsInstantWithZone()
  timestamp!: string;
}

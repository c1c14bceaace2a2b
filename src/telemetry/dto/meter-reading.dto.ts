import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsPositive, Max, Min } from 'class-validator';
import {
  DEVICE_ID_SCHEMA,
  INSTANT_WITH_ZONE_SCHEMA,
  IsDeviceId,
  IsFiniteNumber,
  IsInstantWithZone,
} from '../../common/validation/decorators.ts';
import { READING_LIMITS } from './reading-limits.ts';

/** What a smart meter reports each minute: AC energy drawn from the grid in that interval. */
@ApiSchema({
  name: 'MeterReading',
  description: 'A smart meter reading: AC energy drawn from the grid in the interval. Unknown fields are ignored.',
})
export class MeterReadingDto {
  @ApiProperty(DEVICE_ID_SCHEMA)
  @IsDeviceId()
  meterId!: string;
  // The type check is written last: class-validator runs a property's decorators bottom-up and reports
  // only the first failure (stopAtFirstError), so a missing or string value must fail as "not a number".
  @ApiProperty({ minimum: 0, maximum: READING_LIMITS.kwhMax, description: 'kWh in the interval', example: 1.23 })
  @Max(READING_LIMITS.kwhMax)
  @Min(0)
  @IsFiniteNumber()
  kwhConsumedAc!: number;
  @ApiProperty({ exclusiveMinimum: true, minimum: 0, maximum: READING_LIMITS.voltageMax, example: 229.8 })
  @Max(READING_LIMITS.voltageMax)
  @IsPositive()
  @IsFiniteNumber()
  voltage!: number;
  @ApiProperty(INSTANT_WITH_ZONE_SCHEMA)
  @IsInstantWithZone()
  timestamp!: string;
}

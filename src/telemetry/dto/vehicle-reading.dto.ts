import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Max, Min } from 'class-validator';
import {
  DEVICE_ID_SCHEMA,
  INSTANT_WITH_ZONE_SCHEMA,
  IsDeviceId,
  IsFiniteNumber,
  IsInstantWithZone,
} from '../../common/validation/decorators.ts';
import { READING_LIMITS } from './reading-limits.ts';

/** What a vehicle reports each minute: DC energy that reached the battery in that interval. */
@ApiSchema({
  name: 'VehicleReading',
  description: 'A vehicle reading: DC energy that reached the battery in the interval. Unknown fields are ignored.',
})
export class VehicleReadingDto {
  @ApiProperty(DEVICE_ID_SCHEMA)
  @IsDeviceId()
  vehicleId!: string;
  // The type check is written last: class-validator runs a property's decorators bottom-up and reports
  // only the first failure (stopAtFirstError), so a missing or string value must fail as "not a number".
  @ApiProperty({ minimum: 0, maximum: 100, description: 'State of charge, %', example: 64.5 })
  @Max(100)
  @Min(0)
  @IsFiniteNumber()
  soc!: number;
  @ApiProperty({ minimum: 0, maximum: READING_LIMITS.kwhMax, description: 'kWh in the interval', example: 1.1 })
  @Max(READING_LIMITS.kwhMax)
  @Min(0)
  @IsFiniteNumber()
  kwhDeliveredDc!: number;
  @ApiProperty({
    minimum: READING_LIMITS.batteryTempMin,
    maximum: READING_LIMITS.batteryTempMax,
    description: '°C',
    example: 31.2,
  })
  @Max(READING_LIMITS.batteryTempMax)
  @Min(READING_LIMITS.batteryTempMin)
  @IsFiniteNumber()
  batteryTemp!: number;
  @ApiProperty(INSTANT_WITH_ZONE_SCHEMA)
  @IsInstantWithZone()
  timestamp!: string;
}

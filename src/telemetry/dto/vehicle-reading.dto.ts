import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Max, Min } from 'class-validator';
import {
  DEVICE_ID_SCHEMA,
  INSTANT_WITH_ZONE_SCHEMA,
  IsDeviceId,
  IsFiniteNumber,
  IsInstantWithZone,
} from '../../common/validation/decorators.ts';

/**
 * What a vehicle reports each minute: DC energy that reached the battery in that interval, or its DC
 * register in `register` mode. Beyond the plausibility bounds a reading is stored and flagged `suspect`.
 */
@ApiSchema({
  name: 'VehicleReading',
  description:
    'A vehicle reading: DC energy that reached the battery in the interval (interval mode, the default) or its DC ' +
    'register (register mode, see PUT /v1/vehicles/{vehicleId}). Values beyond the plausibility bounds are stored ' +
    'and flagged suspect, not refused. Unknown fields are ignored.',
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
  @ApiProperty({
    minimum: 0,
    description: 'kWh in the interval, or the DC register value in kWh (register mode)',
    example: 1.1,
  })
  @Min(0)
  @IsFiniteNumber()
  kwhDeliveredDc!: number;
  @ApiProperty({
    description: '°C; outside [SUSPECT_BATTERY_TEMP_MIN, SUSPECT_BATTERY_TEMP_MAX] the reading is flagged suspect',
    example: 31.2,
  })
  @IsFiniteNumber()
  batteryTemp!: number;
  @ApiProperty(INSTANT_WITH_ZONE_SCHEMA)
  @IsInstantWithZone()
  timestamp!: string;
}

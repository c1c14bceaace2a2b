import { Max, Min } from 'class-validator';
import { IsDeviceId, IsFiniteNumber, IsInstantWithZone } from '../../common/validation/decorators.ts';
import { READING_LIMITS } from './reading-limits.ts';

/** What a vehicle reports each minute: DC energy that reached the battery in that interval. */
export class VehicleReadingDto {
  @IsDeviceId() vehicleId!: string;
  // The type check is written last: class-validator runs a property's decorators bottom-up and reports
  // only the first failure (stopAtFirstError), so a missing or string value must fail as "not a number".
  /** State of charge, percent. */
  @Max(100) @Min(0) @IsFiniteNumber() soc!: number;
  @Max(READING_LIMITS.kwhMax) @Min(0) @IsFiniteNumber() kwhDeliveredDc!: number;
  /** Degrees Celsius. */
  @Max(READING_LIMITS.batteryTempMax) @Min(READING_LIMITS.batteryTempMin) @IsFiniteNumber() batteryTemp!: number;
  @IsInstantWithZone() timestamp!: string;
}

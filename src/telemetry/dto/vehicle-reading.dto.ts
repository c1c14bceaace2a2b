import { Max, Min } from 'class-validator';
import { IsDeviceId, IsFiniteNumber, IsInstantWithZone } from '../../common/validation/decorators.ts';
import { READING_LIMITS } from './reading-limits.ts';

/** What a vehicle reports each minute: DC energy that reached the battery in that interval. */
export class VehicleReadingDto {
  @IsDeviceId() vehicleId!: string;
  /** State of charge, percent. */
  @IsFiniteNumber() @Min(0) @Max(100) soc!: number;
  @IsFiniteNumber() @Min(0) @Max(READING_LIMITS.kwhMax) kwhDeliveredDc!: number;
  /** Degrees Celsius. */
  @IsFiniteNumber() @Min(READING_LIMITS.batteryTempMin) @Max(READING_LIMITS.batteryTempMax) batteryTemp!: number;
  @IsInstantWithZone() timestamp!: string;
}

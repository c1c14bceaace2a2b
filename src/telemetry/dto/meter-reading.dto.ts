import { IsPositive, Max, Min } from 'class-validator';
import { IsDeviceId, IsFiniteNumber, IsInstantWithZone } from '../../common/validation/decorators.ts';
import { READING_LIMITS } from './reading-limits.ts';

/** What a smart meter reports each minute: AC energy drawn from the grid in that interval. */
export class MeterReadingDto {
  @IsDeviceId() meterId!: string;
  @IsFiniteNumber() @Min(0) @Max(READING_LIMITS.kwhMax) kwhConsumedAc!: number;
  @IsFiniteNumber() @IsPositive() @Max(READING_LIMITS.voltageMax) voltage!: number;
  @IsInstantWithZone() timestamp!: string;
}

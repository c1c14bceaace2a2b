import { IsPositive, Max, Min } from 'class-validator';
import { IsDeviceId, IsFiniteNumber, IsInstantWithZone } from '../../common/validation/decorators.ts';
import { READING_LIMITS } from './reading-limits.ts';

/** What a smart meter reports each minute: AC energy drawn from the grid in that interval. */
export class MeterReadingDto {
  @IsDeviceId() meterId!: string;
  // The type check is written last: class-validator runs a property's decorators bottom-up and reports
  // only the first failure (stopAtFirstError), so a missing or string value must fail as "not a number".
  @Max(READING_LIMITS.kwhMax) @Min(0) @IsFiniteNumber() kwhConsumedAc!: number;
  @Max(READING_LIMITS.voltageMax) @IsPositive() @IsFiniteNumber() voltage!: number;
  @IsInstantWithZone() timestamp!: string;
}

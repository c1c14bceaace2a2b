import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsDeviceId } from '../../common/validation/decorators.ts';

export const LINKS_PAGE_MAX = 1000;

/** Current links; keyset pagination by vehicle id: stable and index-backed at any depth, unlike OFFSET. */
export class ListLinksQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(LINKS_PAGE_MAX) limit: number = 100;
  @IsOptional() @IsDeviceId() after?: string;
  /** Only the vehicles currently linked to this meter. */
  @IsOptional() @IsDeviceId() meterId?: string;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEVICE_ID_SCHEMA, IsDeviceId } from '../../common/validation/decorators.ts';

export const LINKS_PAGE_MAX = 1000;

/** Current links; keyset pagination by vehicle id: stable and index-backed at any depth, unlike OFFSET. */
export class ListLinksQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: LINKS_PAGE_MAX, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(LINKS_PAGE_MAX)
  limit: number = 100;

  @ApiPropertyOptional({ ...DEVICE_ID_SCHEMA, description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsDeviceId()
  after?: string;

  /** Only the vehicles currently linked to this meter. */
  @ApiPropertyOptional({ ...DEVICE_ID_SCHEMA, description: 'Only the vehicles currently linked to this meter' })
  @IsOptional()
  @IsDeviceId()
  meterId?: string;
}

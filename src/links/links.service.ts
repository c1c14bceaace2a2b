import { Injectable, Logger } from '@nestjs/common';
import { InvalidLink, LinkConflict, LinkNotFound } from '../common/errors/domain-error.ts';
import { toKeysetPage } from '../common/pagination/keyset-page.ts';
import { Clock } from '../common/time/clock.ts';
import { parseInstant } from '../common/time/instant.ts';
import type { LinkHistory, LinkPage, LinkView } from './dto/link.dto.ts';
import { LinksRepository, type PeriodEditor } from './links.repository.ts';
import type { PeriodRow } from './links.sql.ts';

export interface LinkRequest {
  vehicleId: string;
  meterId: string;
  validFrom?: string;
  replaceLater?: boolean;
}

/**
 * Link periods (see README "Links have history"). From `validFrom` (default: now; for a vehicle's
 * first link, all time before) the vehicle is fed by the meter: the period holding that instant
 * ends there and the new one runs open. Periods that started after a backdated validFrom are
 * replaced only with `replaceLater: true`; otherwise 409, so billed history never changes by accident.
 */
@Injectable()
export class LinksService {
  private readonly logger = new Logger(LinksService.name);

  constructor(
    private readonly links: LinksRepository,
    private readonly clock: Clock,
  ) {}

  /** `created` is true for a vehicle's first link (201), false for a re-point or a confirmation (200). */
  async link(request: LinkRequest): Promise<{ link: LinkView; created: boolean }> {
    const now = this.clock.now();
    const validFrom = request.validFrom === undefined ? undefined : checkedValidFrom(request.validFrom, now);
    const { created, replaced, changed } = await this.links.change(request.vehicleId, (editor) =>
      applyLink(editor, request, validFrom, now),
    );
    const current = (await this.links.current(request.vehicleId))!;
    if (changed) {
      this.logger.log({
        msg: 'link changed',
        vehicleId: request.vehicleId,
        meterId: request.meterId,
        validFrom: current.valid_from?.toISOString() ?? null,
        replacedPeriods: replaced,
      });
    }
    return { link: toView(current), created };
  }

  /** Ends the vehicle's current link now; the vehicle is then unlinked. */
  async unlink(vehicleId: string): Promise<LinkView> {
    const now = this.clock.now();
    const ended = await this.links.change(vehicleId, async (editor) => {
      const current = (await editor.periods()).find((period) => period.valid_to === null);
      if (!current) throw new LinkNotFound(vehicleId);
      if (current.valid_from !== null && current.valid_from.getTime() >= now.getTime()) {
        await editor.deletePeriod(current.valid_from); // began this very instant: nothing to keep
        return { ...current, valid_to: current.valid_from };
      }
      await editor.endAt(now);
      return { ...current, valid_to: now };
    });
    this.logger.log({ msg: 'link ended', vehicleId, meterId: ended.meter_id, validTo: now.toISOString() });
    return toView(ended);
  }

  async get(vehicleId: string): Promise<LinkView> {
    const current = await this.links.current(vehicleId);
    if (!current) throw new LinkNotFound(vehicleId);
    return toView(current);
  }

  async history(vehicleId: string): Promise<LinkHistory> {
    const periods = await this.links.history(vehicleId);
    if (periods.length === 0) throw new LinkNotFound(vehicleId);
    return { vehicleId, items: periods.map((period) => withoutVehicle(toView(period))) };
  }

  async list(limit: number, after?: string, meterId?: string): Promise<LinkPage> {
    const rows = await this.links.currentPage(limit + 1, after, meterId);
    return toKeysetPage(rows.map(toView), limit, (link) => link.vehicleId);
  }
}

async function applyLink(
  editor: PeriodEditor,
  request: LinkRequest,
  validFrom: Date | undefined,
  now: Date,
): Promise<{ created: boolean; replaced: number; changed: boolean }> {
  const periods = await editor.periods();
  if (periods.length === 0) {
    await editor.insert(validFrom ?? null, request.meterId);
    return { created: true, replaced: 0, changed: true };
  }
  const from = validFrom ?? now;
  const at = from.getTime();
  const later = periods.filter((period) => period.valid_from !== null && period.valid_from.getTime() >= at);
  if (later.length > 0 && request.replaceLater !== true) {
    throw new LinkConflict(
      `validFrom ${from.toISOString()} is before ${later.length} later link period(s) of vehicle '${request.vehicleId}' ` +
        `(the first from ${later[0]!.valid_from!.toISOString()} on meter '${later[0]!.meter_id}'); ` +
        'send replaceLater: true to replace them',
    );
  }
  const holding = periods.find((period) => holds(period, at));
  if (holding?.valid_to === null && holding.meter_id === request.meterId && later.length === 0) {
    return { created: false, replaced: 0, changed: false }; // already so
  }
  if (later.length > 0) await editor.deleteFrom(from);
  // A period on the same meter that holds validFrom, or ends exactly there, simply runs on.
  const runsOn = holding ?? periods.find((period) => period.valid_to?.getTime() === at);
  if (runsOn?.meter_id === request.meterId) {
    await editor.reopen(runsOn.valid_from);
  } else {
    if (holding) await editor.endAt(from);
    await editor.insert(from, request.meterId);
  }
  return { created: false, replaced: later.length, changed: true };
}

function holds(period: PeriodRow, at: number): boolean {
  return (
    (period.valid_from === null || period.valid_from.getTime() < at) &&
    (period.valid_to === null || period.valid_to.getTime() > at)
  );
}

/** validFrom: an instant in whole milliseconds, not after now. */
function checkedValidFrom(text: string, now: Date): Date {
  const instant = parseInstant(text)!; // the DTO validated it
  const problems: string[] = [];
  if (instant.epochMicros % 1000n !== 0n) problems.push(`validFrom must be a whole millisecond (got ${text})`);
  if (instant.epochMs > now.getTime())
    problems.push(`validFrom must not be in the future (now is ${now.toISOString()})`);
  if (problems.length > 0) throw new InvalidLink([{ field: 'validFrom', errors: problems }]);
  return new Date(instant.epochMs);
}

function toView(period: PeriodRow): LinkView {
  return {
    vehicleId: period.vehicle_id,
    meterId: period.meter_id,
    validFrom: period.valid_from?.toISOString() ?? null,
    validTo: period.valid_to?.toISOString() ?? null,
    recordedAt: period.recorded_at.toISOString(),
  };
}

function withoutVehicle(view: LinkView): Omit<LinkView, 'vehicleId'> {
  return { meterId: view.meterId, validFrom: view.validFrom, validTo: view.validTo, recordedAt: view.recordedAt };
}

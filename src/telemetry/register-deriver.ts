import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { compare, decimalText, toDecimal } from '../common/numbers/decimal.ts';
import { AppConfig } from '../config/app-config.ts';
import { type DeviceModes, DevicesService } from '../devices/devices.service.ts';
import { type Bounds, type MeasuredReading, energyOf, sideFlag, sideOf } from './measurement.ts';
import { type Reading, readingKey } from './reading.ts';
import { deriveRegisterSteps, type RegisterAnchor, type RegisterPoint } from './register-steps.ts';
import { CONTEXT_ROWS, type ContextRow, registerContext, reviseSteps } from './register.sql.ts';

/** The new readings of one register device within one mode period [fromMicros, toMicros). */
export interface RegisterGroup {
  kind: Reading['kind'];
  deviceId: string;
  fromMicros: bigint | null;
  toMicros: bigint | null;
  device: DeviceModes;
  readings: Reading[];
}

/** What the derivation decided for a flush's register readings. */
export interface RegisterOutcome {
  /** New readings to store, with their steps. */
  measured: MeasuredReading[];
  /** Keys (readingKey) of readings already stored: duplicates; `conflicts` those with other values. */
  duplicates: Set<string>;
  conflicts: Set<string>;
  /** Stored readings whose step changed. */
  revised: number;
}

interface Revision {
  deviceId: string;
  micros: string;
  kwh: string;
  quality: string;
  reason: string | null;
  oldKwh: string;
  oldQuality: string;
}

const toIso = (micros: bigint | null, unbounded: string): string => (micros === null ? unbounded : microsToIso(micros));

function microsToIso(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const fraction = micros % 1_000_000n;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${String(fraction).padStart(6, '0')}Z`;
}

/**
 * Register mode (README "Energy modes"), inside the flush's transaction: takes the devices'
 * derivation locks, reads the stored readings around the new ones, derives the steps of the merged
 * series (register-steps.ts) and answers the new readings' rows; stored readings whose step changed
 * (a late reading in the middle, the reading after a provisional reset) are revised with their
 * roll-ups in `revise`, after the new rows are stored.
 */
@Injectable()
export class RegisterDeriver {
  constructor(
    private readonly devices: DevicesService,
    private readonly config: AppConfig,
  ) {}

  async derive(
    em: EntityManager,
    groups: RegisterGroup[],
    bounds: Bounds,
  ): Promise<{
    outcome: RegisterOutcome;
    revise: () => Promise<void>;
  }> {
    const outcome: RegisterOutcome = { measured: [], duplicates: new Set(), conflicts: new Set(), revised: 0 };
    const revisions = { meter: [] as Revision[], vehicle: [] as Revision[] };
    if (groups.length > 0) {
      const unique = new Map(groups.map((g) => [`${g.kind}|${g.deviceId}`, { kind: g.kind, id: g.deviceId }]));
      await this.devices.lock(em, [...unique.values()]);
      for (const kind of ['meter', 'vehicle'] as const) {
        const ofKind = groups.filter((g) => g.kind === kind);
        if (ofKind.length === 0) continue;
        const context = await em.query<ContextRow[]>(registerContext(kind), [
          ofKind.map((g) => g.deviceId),
          ofKind.map((g) => toIso(g.fromMicros, '-infinity')),
          ofKind.map((g) => g.readings[0]!.instant.iso),
          ofKind.map((g) => g.readings[g.readings.length - 1]!.instant.iso),
          ofKind.map((g) => toIso(g.toMicros, 'infinity')),
          ofKind.map((_, index) => index),
        ]);
        ofKind.forEach((group, index) => {
          const rows = context.filter((row) => row.grp === index);
          this.deriveGroup(group, rows, bounds, outcome, revisions[kind]);
        });
      }
    }
    const revise = async (): Promise<void> => {
      for (const kind of ['meter', 'vehicle'] as const) {
        const list = revisions[kind];
        if (list.length === 0) continue;
        await em.query(reviseSteps(kind), [
          list.map((r) => r.deviceId),
          list.map((r) => r.micros),
          list.map((r) => r.kwh),
          list.map((r) => r.quality),
          list.map((r) => r.reason),
          list.map((r) => r.oldKwh),
          list.map((r) => r.oldQuality),
        ]);
      }
    };
    return { outcome, revise };
  }

  private deriveGroup(
    group: RegisterGroup,
    rows: ContextRow[],
    bounds: Bounds,
    outcome: RegisterOutcome,
    revisions: Revision[],
  ): void {
    const byMicros = (a: { micros: string }, b: { micros: string }): number => {
      const x = BigInt(a.micros);
      const y = BigInt(b.micros);
      return x < y ? -1 : x > y ? 1 : 0;
    };
    const before = rows
      .filter((row) => row.part === 'before')
      .sort(byMicros)
      .reverse();
    const stored = [...before.slice(0, 1), ...rows.filter((row) => row.part !== 'before').sort(byMicros)];
    // The base of the reading just before the new ones: the last earlier reading that is not a glitch.
    let anchorRow = before.slice(1).find((row) => row.quality !== 'glitch');
    if (!anchorRow && before.length === CONTEXT_ROWS) anchorRow = before[CONTEXT_ROWS - 1];
    const anchor: RegisterAnchor | null = anchorRow
      ? { epochMs: Number(BigInt(anchorRow.micros) / 1000n), value: toDecimal(anchorRow.reported) }
      : null;

    const storedByMicros = new Map(stored.map((row) => [row.micros, row]));
    type Entry = { micros: string; row?: ContextRow; reading?: Reading };
    const entries: Entry[] = stored.map((row) => ({ micros: row.micros, row }));
    for (const reading of group.readings) {
      const micros = String(reading.instant.epochMicros);
      const key = readingKey(reading.kind, reading.deviceId, micros);
      const existing = storedByMicros.get(micros);
      if (existing) {
        outcome.duplicates.add(key);
        if (differs(existing, reading)) outcome.conflicts.add(key);
        continue;
      }
      entries.push({ micros, reading });
    }
    entries.sort(byMicros);

    const points: RegisterPoint[] = entries.map((entry) => {
      const value = entry.reading ? toDecimal(energyOf(entry.reading)) : toDecimal(entry.row!.reported);
      const side = entry.reading ? sideOf(entry.reading) : entry.row!.side;
      return {
        epochMs: Number(BigInt(entry.micros) / 1000n),
        value,
        flag: sideFlag(group.kind, side, bounds),
      };
    });
    const steps = deriveRegisterSteps(anchor, points, {
      registerMax: group.device.registerMax === null ? null : toDecimal(group.device.registerMax),
      maxPowerKw: group.device.maxPowerKw ?? this.config.REGISTER_MAX_POWER_KW,
    });

    entries.forEach((entry, index) => {
      const step = steps[index]!;
      if (entry.reading) {
        outcome.measured.push({
          reading: entry.reading,
          kwh: decimalText(step.kwh),
          reported: energyOf(entry.reading),
          quality: step.quality,
          reason: step.reason,
        });
        return;
      }
      const row = entry.row!;
      const same =
        compare(toDecimal(row.kwh), step.kwh) === 0 && row.quality === step.quality && row.reason === step.reason;
      if (same) return;
      revisions.push({
        deviceId: group.deviceId,
        micros: row.micros,
        kwh: decimalText(step.kwh),
        quality: step.quality,
        reason: step.reason,
        oldKwh: row.kwh,
        oldQuality: row.quality,
      });
      outcome.revised += 1;
    });
  }
}

/** A register reading sent again with other values than the one stored. */
function differs(row: ContextRow, reading: Reading): boolean {
  if (compare(toDecimal(row.reported), toDecimal(energyOf(reading))) !== 0) return true;
  if (row.side !== sideOf(reading)) return true;
  return reading.kind === 'vehicle' && row.soc !== reading.soc;
}

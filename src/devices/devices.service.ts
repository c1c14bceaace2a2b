import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DeviceModeConflict, DeviceNotRegistered } from '../common/errors/domain-error.ts';
import { toKeysetPage } from '../common/pagination/keyset-page.ts';
import { Clock } from '../common/time/clock.ts';
import { parseInstant } from '../common/time/instant.ts';
import type { EnergyMode } from '../telemetry/reading.ts';
import type { DeviceSettings, ListDevicesQuery, PutDeviceBody } from './dto/device.dto.ts';
import {
  ADD_MODE,
  CLEAR_MODES,
  DEVICE,
  DEVICE_PAGE,
  type DeviceRow,
  LATEST_READING,
  LOCK_DEVICE,
  LOCK_DEVICES,
  LOCK_REGISTRY,
  LOCK_REGISTRY_SHARED,
  MODES_OF,
  type ModeRow,
  UPSERT_DEVICE,
} from './devices.sql.ts';

export type DeviceKind = 'meter' | 'vehicle';

/** One period of a device's mode: from `fromMicros` (null: the beginning) to the next period's start. */
export interface ModePeriodOf {
  fromMicros: bigint | null;
  mode: EnergyMode;
}

/** What the writer needs to know of a registered device. */
export interface DeviceModes {
  periods: ModePeriodOf[];
  /** Text of the NUMERIC, or null. */
  registerMax: string | null;
  maxPowerKw: number | null;
}

/** `meter|<id>` or `vehicle|<id>`. */
export const deviceKey = (kind: DeviceKind, id: string): string => `${kind}|${id}`;

/**
 * The device registry (README "Energy modes"). A device never registered reports interval energy.
 * A device registered before its first reading reports in its mode for all its readings; a mode
 * change of a device with readings applies from `effectiveFrom` (default now), which must be after
 * its latest stored reading: readings already stored (and billed) are never re-derived by a mode change.
 * Other settings (registerMax, maxPowerKw) apply to the derivations done after they are set.
 */
@Injectable()
export class DevicesService {
  private readonly logger = new Logger(DevicesService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async put(kind: DeviceKind, id: string, body: PutDeviceBody): Promise<DeviceSettings> {
    await this.dataSource.transaction(async (em) => {
      await em.query(LOCK_REGISTRY); // waits for the flushes in progress: their readings are then visible
      await em.query(LOCK_DEVICE, [kind, id]);
      const [current] = await em.query<DeviceRow[]>(DEVICE, [kind, id]);
      const currentMode: EnergyMode = current?.energy_mode ?? 'interval';
      const [latest] = await em.query<{ ts: Date }[]>(LATEST_READING[kind], [id]);
      if (!latest) {
        // No reading yet: the mode holds for all of the device's readings, whatever their timestamps.
        await em.query(CLEAR_MODES, [kind, id]);
        await em.query(ADD_MODE, [kind, id, '-infinity', body.energyMode]);
      } else if (body.energyMode !== currentMode) {
        const from =
          body.effectiveFrom === undefined ? this.clock.now() : new Date(parseInstant(body.effectiveFrom)!.epochMs);
        if (from.getTime() <= latest.ts.getTime()) {
          throw new DeviceModeConflict(
            `The ${kind} '${id}' has readings up to ${latest.ts.toISOString()}: a mode change applies only after its ` +
              `latest stored reading (effectiveFrom ${from.toISOString()}), never to readings already stored`,
          );
        }
        if (!current) await em.query(ADD_MODE, [kind, id, '-infinity', 'interval']);
        await em.query(ADD_MODE, [kind, id, from.toISOString(), body.energyMode]);
        this.logger.log({ msg: 'device mode changed', kind, deviceId: id, energyMode: body.energyMode, from });
      }
      await em.query(UPSERT_DEVICE, [
        kind,
        id,
        body.energyMode,
        body.registerMax ?? null,
        body.maxPowerKw ?? null,
        body.efficiencyThreshold ?? null,
      ]);
    });
    return this.get(kind, id);
  }

  async get(kind: DeviceKind, id: string): Promise<DeviceSettings> {
    const [row] = await this.dataSource.query<DeviceRow[]>(DEVICE, [kind, id]);
    if (!row) throw new DeviceNotRegistered(kind, id);
    return toSettings(row);
  }

  async list(
    kind: DeviceKind,
    query: ListDevicesQuery,
  ): Promise<{ items: DeviceRowView[]; nextCursor: string | null }> {
    const rows = await this.dataSource.query<DeviceRow[]>(DEVICE_PAGE, [
      kind,
      query.after ?? '',
      query.energyMode ?? null,
      query.limit + 1,
    ]);
    return toKeysetPage(
      rows.map((row) => ({ id: row.device_id, settings: toSettings(row) })),
      query.limit,
      (item) => item.id,
    );
  }

  /**
   * The mode periods and derivation settings of the registered devices among a flush's, inside its
   * transaction, which from here on holds the registry lock shared (LOCK_REGISTRY_SHARED): no
   * registry change can decide on these devices' readings until the flush has committed. The modes
   * are read in a statement after the lock, so they include every change committed before it.
   */
  async modesOf(em: EntityManager, meterIds: string[], vehicleIds: string[]): Promise<Map<string, DeviceModes>> {
    const modes = new Map<string, DeviceModes>();
    if (meterIds.length === 0 && vehicleIds.length === 0) return modes;
    await em.query(LOCK_REGISTRY_SHARED);
    const rows = await em.query<ModeRow[]>(MODES_OF, [meterIds, vehicleIds]);
    for (const row of rows) {
      const key = deviceKey(row.kind, row.device_id);
      let device = modes.get(key);
      if (!device) {
        device = { periods: [], registerMax: row.register_max, maxPowerKw: row.max_power_kw };
        modes.set(key, device);
      }
      device.periods.push({
        fromMicros: row.from_micros === null ? null : BigInt(row.from_micros),
        mode: row.energy_mode,
      });
    }
    return modes;
  }

  /** Takes the derivation locks of these devices for the rest of the transaction (registry changes wait). */
  async lock(em: EntityManager, devices: { kind: DeviceKind; id: string }[]): Promise<void> {
    if (devices.length === 0) return;
    await em.query(LOCK_DEVICES, [devices.map((d) => d.kind), devices.map((d) => d.id)]);
  }
}

export interface DeviceRowView {
  id: string;
  settings: DeviceSettings;
}

function toSettings(row: DeviceRow): DeviceSettings {
  return {
    energyMode: row.energy_mode,
    registerMax: row.register_max,
    maxPowerKw: row.max_power_kw,
    efficiencyThreshold: row.efficiency_threshold,
    modes: row.modes,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The mode of a reading at `micros` and its period's bounds [from, to) in epoch µs (null: unbounded). */
export function modeAt(
  device: DeviceModes | undefined,
  micros: bigint,
): { mode: EnergyMode; fromMicros: bigint | null; toMicros: bigint | null } {
  if (!device) return { mode: 'interval', fromMicros: null, toMicros: null };
  let found: { mode: EnergyMode; fromMicros: bigint | null; toMicros: bigint | null } = {
    mode: 'interval',
    fromMicros: null,
    toMicros: device.periods[0]?.fromMicros ?? null,
  };
  device.periods.forEach((period, index) => {
    if (period.fromMicros === null || period.fromMicros <= micros) {
      found = {
        mode: period.mode,
        fromMicros: period.fromMicros,
        toMicros: device.periods[index + 1]?.fromMicros ?? null,
      };
    }
  });
  return found;
}

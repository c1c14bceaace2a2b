const MINUTE_MS = 60_000;

/**
 * The simulated fleet: D meters (M-00001…) and D vehicles (V-00001…), vehicle i charging on meter i.
 *
 * Readings are handed out round-robin over the 2·D devices (meter 1, vehicle 1, meter 2, …), so a
 * request (or a batch of B) carries consecutive devices, and device k's n-th reading takes minute
 * slot n: origin + n minutes. The origin is 23 h before the bench started, so every reading lies in
 * the last 24 h and none is in the future, and (device, timestamp) never repeats: 1,379 slots a
 * device, 2·D·1,379 readings in all. Energy values are whole Wh (three decimals of kWh) so that the
 * ledger's sums are exact integers.
 *
 * The ledger keeps, per device, what the service acknowledged: count, Wh sum and newest slot.
 */
export class Fleet {
  constructor({ devices, startedAtMs = Date.now(), prefix = '' }) {
    this.devices = devices;
    this.prefix = prefix;
    this.originMs = Math.floor(startedAtMs / MINUTE_MS) * MINUTE_MS - 23 * 60 * MINUTE_MS;
    this.slots = 23 * 60 - 1;
    this.seq = 0;
    const n = 2 * devices;
    this.ids = Array.from({ length: n }, (_, k) => this.deviceId(k));
    this.ackCount = new Int32Array(n);
    this.ackWh = new Float64Array(n);
    this.ackMaxSlot = new Int32Array(n).fill(-1);
    this.isoCache = new Map();
  }

  /** Devices 0…D−1 are meters, D…2D−1 vehicles. */
  deviceId(k) {
    const number = String((k % this.devices) + 1).padStart(5, '0');
    return `${this.prefix}${k < this.devices ? 'M' : 'V'}-${number}`;
  }

  meterOf(vehicleK) {
    return vehicleK - this.devices;
  }

  /** When the analytics window [now − 24 h, now) stops holding every slot. */
  get windowDeadlineMs() {
    return this.originMs + 24 * 60 * MINUTE_MS;
  }

  get capacity() {
    return 2 * this.devices * this.slots;
  }

  /** The next n readings: { keys (device index), slots, wh, body (JSON text) }. */
  next(n) {
    if (this.seq + n > this.capacity) {
      throw new Error(
        `The fleet's ${this.capacity} unique (device, minute) slots are used up: raise --devices or lower --duration`,
      );
    }
    const keys = new Int32Array(n);
    const slots = new Int32Array(n);
    const wh = new Int32Array(n);
    const parts = new Array(n);
    const d = this.devices;
    for (let i = 0; i < n; i += 1) {
      const seq = this.seq + i;
      const round = seq % (2 * d);
      const k = round % 2 === 0 ? round / 2 : d + (round - 1) / 2;
      const slot = Math.floor(seq / (2 * d));
      const value = energyWh(k, slot);
      keys[i] = k;
      slots[i] = slot;
      wh[i] = value;
      const ts = this.timestamp(slot);
      parts[i] =
        k < d
          ? `{"meterId":"${this.ids[k]}","kwhConsumedAc":${value / 1000},"voltage":${230 + (k % 10)},"timestamp":"${ts}"}`
          : `{"vehicleId":"${this.ids[k]}","soc":${(slot % 80) + 10},"kwhDeliveredDc":${value / 1000},"batteryTemp":${20 + (k % 15)},"timestamp":"${ts}"}`;
    }
    this.seq += n;
    return { keys, slots, wh, body: n === 1 ? parts[0] : `[${parts.join(',')}]` };
  }

  timestamp(slot) {
    let iso = this.isoCache.get(slot);
    if (!iso) {
      iso = new Date(this.originMs + slot * MINUTE_MS).toISOString();
      this.isoCache.set(slot, iso);
    }
    return iso;
  }

  /** Records readings the service acknowledged as stored (or that were found stored). */
  record(batch) {
    for (let i = 0; i < batch.keys.length; i += 1) {
      const k = batch.keys[i];
      this.ackCount[k] += 1;
      this.ackWh[k] += batch.wh[i];
      if (batch.slots[i] > this.ackMaxSlot[k]) this.ackMaxSlot[k] = batch.slots[i];
    }
  }

  get acknowledged() {
    let total = 0;
    for (const n of this.ackCount) total += n;
    return total;
  }
}

/** Deterministic energy per reading, 1…1,000 Wh. */
export function energyWh(k, slot) {
  return ((k * 7919 + slot * 104729) % 1000) + 1;
}

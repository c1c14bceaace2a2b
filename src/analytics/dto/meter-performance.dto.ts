/** The part of a meter's AC figures shared by the whole window and each bucket. */
export interface MeterTotals {
  /** Everything the meter measured in the window, kWh. */
  acKwh: number;
  /** DC delivered to all vehicles while linked to this meter, kWh. */
  dcKwh: number;
  /** dcKwh / acKwh; null without AC. */
  efficiency: number | null;
  /** AC measured while no vehicle was linked to the meter, kWh (attributed to nobody). */
  unattributedAcKwh: number;
  /** AC of hours in which no linked vehicle reported DC (standby draw), kWh; attributed all the same. */
  idleAcKwh: number;
  meterReadings: number;
}

/** A vehicle's share of the meter's AC, and its DC while linked to the meter. */
export interface MeterVehicleShare {
  vehicleId: string;
  acKwh: number;
  dcKwh: number;
  efficiency: number | null;
}

/** A meter (depot) over [from, to): acKwh = Σ vehicles' acKwh + unattributedAcKwh, exactly. */
export interface MeterPerformance extends MeterTotals {
  meterId: string;
  from: string;
  to: string;
  /** Vehicles linked to the meter at some time in the window, by vehicle id. */
  vehicles: MeterVehicleShare[];
  buckets?: MeterBucket[];
}

export interface MeterBucket extends MeterTotals {
  from: string;
  to: string;
}

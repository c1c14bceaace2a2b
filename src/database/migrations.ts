import { InitialSchema1764000000000 } from '../../migrations/1764000000000-initial-schema.ts';
import { HourlyRollups1795713961996 } from '../../migrations/1795713961996-hourly-rollups.ts';
import { LiveStatusFillfactor1795720000000 } from '../../migrations/1795720000000-live-status-fillfactor.ts';
import { LinkPeriods1796100000000 } from '../../migrations/1796100000000-link-periods.ts';
import { MeasurementModel1796200000000 } from '../../migrations/1796200000000-measurement-model.ts';
import { AttributionSnapshots1796300000000 } from '../../migrations/1796300000000-attribution-snapshots.ts';

/** Every migration, in order. Listed by hand so that builds, tests and the CLI see the same set (no globs). */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  HourlyRollups1795713961996,
  LiveStatusFillfactor1795720000000,
  LinkPeriods1796100000000,
  MeasurementModel1796200000000,
  AttributionSnapshots1796300000000,
];

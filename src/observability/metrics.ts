import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every Prometheus instrument of the service, on one registry (no global state: tests build many apps). */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly readings = new Counter({
    name: 'telemetry_readings_total',
    help: 'Readings acknowledged, by kind (meter|vehicle) and outcome (accepted|duplicate)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'telemetry_readings_rejected_total',
    help: 'Readings refused, by kind (meter|vehicle|unknown) and reason (invalid_<field>, write_failed, overloaded)',
    labelNames: ['kind', 'reason'] as const,
    registers: [this.registry],
  });

  readonly flagged = new Counter({
    name: 'telemetry_readings_flagged_total',
    help: 'Readings stored with a quality flag (not counted in totals), by kind, quality (suspect|glitch) and reason',
    labelNames: ['kind', 'quality', 'reason'] as const,
    registers: [this.registry],
  });

  readonly conflicts = new Counter({
    name: 'telemetry_readings_conflicts_total',
    help: 'Duplicates (same device and timestamp) whose values differ from the reading already held, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly registerRevisions = new Counter({
    name: 'telemetry_register_revisions_total',
    help: 'Stored register readings whose step a later flush re-derived (late readings, resolved resets)',
    registers: [this.registry],
  });

  readonly snapshotDaysBuilt = new Histogram({
    name: 'fleet_snapshot_day_build_duration_seconds',
    help: "Time to rebuild one UTC day of the fleet report's attribution snapshots (count: days rebuilt)",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly fleetReports = new Counter({
    name: 'fleet_reports_total',
    help: 'Fleet reports answered, by source: snapshots (all of the window), mixed (snapshots, then live), live',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly requestReadings = new Histogram({
    name: 'telemetry_request_readings',
    help: 'Readings per ingestion request (1 for a single reading)',
    buckets: [1, 10, 100, 1000, 10_000],
    registers: [this.registry],
  });

  readonly flushReadings = new Histogram({
    name: 'telemetry_flush_readings',
    help: 'Readings stored per group-commit flush',
    buckets: [1, 5, 25, 100, 500, 2000, 10_000],
    registers: [this.registry],
  });

  readonly flushSeconds = new Histogram({
    name: 'telemetry_flush_duration_seconds',
    help: 'Time to store one flush (one statement, committed)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly queuedReadings = new Gauge({
    name: 'telemetry_writer_queued_readings',
    help: 'Readings waiting for a flush',
    registers: [this.registry],
  });

  readonly pool = new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state (total|idle|waiting clients)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly httpSeconds = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'rate_limit_refused_total',
    help: 'Requests answered 429, by limit (address|failed_auth|device_key|operator_key)',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly rateLimitStoreErrors = new Counter({
    name: 'rate_limit_store_errors_total',
    help: 'Rate-limit checks that could not reach the counter store (Redis) and let the request through',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

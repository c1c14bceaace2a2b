import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { IsFiniteNumber } from '../common/validation/decorators.ts';
import { IsTrustProxySetting } from './trust-proxy.ts';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/**
 * Every setting the service reads from the environment. Validated once at start-up;
 * a bad value stops the process naming the variable, never its value.
 */
export class EnvSchema {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must start with postgres:// or postgresql://' })
  DATABASE_URL?: string = undefined;

  @IsIn(['development', 'production', 'test']) NODE_ENV: 'development' | 'production' | 'test' = 'development';
  @IsString() HOST = '0.0.0.0';
  @Type(() => Number) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';

  /** Embedded PostgreSQL, used only when DATABASE_URL is unset. */
  @IsString() EMBEDDED_PG_DIR = '.data/postgres';
  @Type(() => Number) @IsInt() @Min(1) @Max(65535) EMBEDDED_PG_PORT = 54329;

  @Type(() => Number) @IsInt() @Min(1) @Max(200) DB_POOL_SIZE = 10;
  @Type(() => Number) @IsInt() @Min(100) DB_STATEMENT_TIMEOUT_MS = 15_000;
  @Type(() => Number) @IsInt() @Min(100) DB_CONNECT_TIMEOUT_MS = 5_000;
  /**
   * Client-side bound on every statement of the application pool (node-postgres `query_timeout`): the
   * answer that never comes when the network, not the server, fails. Keep it above DB_STATEMENT_TIMEOUT_MS
   * so that the server cancels first whenever it can.
   */
  @Type(() => Number) @IsInt() @Min(100) DB_QUERY_TIMEOUT_MS = 20_000;
  @Transform(toBoolean) @IsBoolean() MIGRATIONS_RUN_ON_BOOT = true;

  /** Largest request body, in bytes; a batch of 10,000 readings is about 1.3 MB. */
  @Type(() => Number) @IsInt() @Min(1024) BODY_LIMIT_BYTES = 4 * 1024 * 1024;
  @Type(() => Number) @IsInt() @Min(1) @Max(100_000) BATCH_MAX_READINGS = 10_000;
  /** How far ahead of the server clock a reading's timestamp may be (device clock skew). */
  @Type(() => Number) @IsInt() @Min(0) FUTURE_TOLERANCE_SECONDS = 300;

  /** Group commit: how long a flush waits for company, how many readings it holds at most, how many run at once. */
  @Type(() => Number) @IsInt() @Min(0) @Max(1000) WRITER_LINGER_MS = 2;
  @Type(() => Number) @IsInt() @Min(1) @Max(100_000) WRITER_MAX_FLUSH_READINGS = 5_000;
  @Type(() => Number) @IsInt() @Min(1) @Max(64) WRITER_MAX_CONCURRENT_FLUSHES = 2;
  /** Readings waiting for a flush before new requests are turned away with 503. */
  @Type(() => Number) @IsInt() @Min(1) WRITER_MAX_QUEUED_READINGS = 100_000;

  /**
   * API keys, comma-separated `<role>:<sha256 hex of the key>` (roles: device, operator). Only hashes
   * are configured; `npm run api-key -- <role>` makes a key. Empty: no authentication (refused in production).
   */
  @IsOptional()
  @Matches(/^\s*(device|operator):[0-9a-f]{64}\s*(,\s*(device|operator):[0-9a-f]{64}\s*)*$/, {
    message: 'API_KEYS must be comma-separated <device|operator>:<SHA-256 hex> entries',
  })
  API_KEYS?: string = undefined;
  /**
   * Requests per minute per client address, every route but /health*; 0 turns this ceiling off. A fleet
   * behind one gateway is one address: 20,000 devices catching up at 10× is 200,000 a minute, so the
   * default leaves three times that.
   */
  @Type(() => Number) @IsInt() @Min(0) RATE_LIMIT_PER_MINUTE = 600_000;
  /** Requests answered 401/403 per client address a minute before requests without a valid key get 429 (always on with API_KEYS). */
  @Type(() => Number) @IsInt() @Min(1) RATE_LIMIT_FAILED_AUTH_PER_MINUTE = 100;
  /** Opt-in limits per API key, by the key's role, in requests a minute; 0 (default): no per-key limit. */
  @Type(() => Number) @IsInt() @Min(0) RATE_LIMIT_DEVICE_KEY_PER_MINUTE = 0;
  @Type(() => Number) @IsInt() @Min(0) RATE_LIMIT_OPERATOR_KEY_PER_MINUTE = 0;
  /** Redis holding the rate-limit counters, shared by every replica; unset: counters in this process. */
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' })
  REDIS_URL?: string = undefined;
  /** Prefix of the rate-limit keys in Redis (one per deployment sharing a Redis). */
  @IsString()
  @Matches(/^\S+$/, { message: 'REDIS_KEY_PREFIX must not contain spaces' })
  REDIS_KEY_PREFIX = 'energy-ingestion:rate-limit:';
  /** Fastify's trustProxy: which X-Forwarded-For hops to believe for the client address (see trust-proxy.ts). */
  @IsTrustProxySetting() TRUST_PROXY = 'false';
  /** Comma-separated origins allowed by CORS; empty: CORS off. */
  @IsOptional() @IsString() CORS_ORIGINS?: string = undefined;

  /** On SIGTERM/SIGINT: how long in-flight requests and writes get to finish before the process gives up. */
  @Type(() => Number) @IsInt() @Min(1000) SHUTDOWN_TIMEOUT_MS = 20_000;

  @Type(() => Number) @IsInt() @Min(1) @Max(366) PARTITION_DAYS_AHEAD = 7;
  @Type(() => Number) @IsInt() @Min(0) @Max(3660) PARTITION_DAYS_BEHIND = 7;
  /** Whole daily partitions older than this many days are dropped; 0 keeps history forever. */
  @Type(() => Number) @IsInt() @Min(0) RETENTION_DAYS = 0;
  @Type(() => Number) @IsInt() @Min(1000) PARTITION_MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;
  /**
   * How often the fleet report's attribution snapshots are brought up to date (each settled hour, and
   * any day changed since it was built, is rebuilt); 0: never (every report is then computed live).
   */
  @Type(() => Number) @IsInt() @Min(0) ATTRIBUTION_SNAPSHOT_INTERVAL_MS = 60_000;

  /**
   * Fleet report: a vehicle whose efficiency (DC delivered / AC drawn) is below this ratio is flagged
   * `belowThreshold` (a charger losing energy, e.g. 0.85 = 85 %). Compared exactly, as a decimal.
   */
  @Type(() => Number) @IsFiniteNumber() @Min(0) @Max(1) FLEET_EFFICIENCY_ALERT_THRESHOLD = 0.85;
  // Coverage = a vehicle's readings / the readings its window should hold at this interval.
  @Type(() => Number) @IsInt() @Min(1) @Max(86_400) READING_INTERVAL_SECONDS = 60;
  // Below this coverage (0–1) a vehicle is `insufficient_data`, not judged.
  @Type(() => Number) @IsFiniteNumber() @Min(0) @Max(1) MIN_COVERAGE = 0.5;

  /**
   * The URL clients reach the service at (e.g. https://energy.example.com), listed as the OpenAPI
   * document's server. When it is https, browsers are told to stay on TLS (HSTS and the CSP's
   * upgrade-insecure-requests); unset or http, neither is sent, so /docs works over plain HTTP.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'PUBLIC_URL must be an http(s) URL without query' })
  PUBLIC_URL?: string = undefined;
  /** Serve the OpenAPI UI and document at /docs (true | false). */
  @Transform(toBoolean) @IsBoolean() DOCS_ENABLED = true;
  /** The built operator page served at /dashboard (default: dist/dashboard of the package, as `npm run build` makes it). */
  @IsOptional() @IsString() DASHBOARD_DIR?: string = undefined;

  /**
   * Migrations run on their own connections, without DB_STATEMENT_TIMEOUT_MS, but each statement waits at
   * most this long for a table lock (then the migration is rolled back and retried with backoff), so that
   * a migration never queues live traffic behind it.
   */
  @Type(() => Number) @IsInt() @Min(100) MIGRATION_LOCK_TIMEOUT_MS = 5_000;
  @Type(() => Number) @IsInt() @Min(0) @Max(100) MIGRATION_LOCK_RETRIES = 5;
  /** Partition upkeep: how long creating or dropping a partition waits for the parent's lock before it retries. */
  @Type(() => Number) @IsInt() @Min(10) PARTITION_LOCK_TIMEOUT_MS = 1_000;
  @Type(() => Number) @IsInt() @Min(0) @Max(100) PARTITION_LOCK_RETRIES = 3;
  /**
   * Readings older than this many days get no day partition of their own: they stay in the default
   * partition (still stored and counted), so that old buffers cannot make thousands of partitions.
   */
  @Type(() => Number) @IsInt() @Min(1) @Max(3660) PARTITION_HORIZON_DAYS = 31;
  /** Readings older than this many days are refused (400); 0: no limit beyond 2000-01-01. */
  @Type(() => Number) @IsInt() @Min(0) READING_MAX_AGE_DAYS = 0;

  // Plausibility bounds (README "Data quality"): a well-formed reading beyond them is stored, flagged
  // `suspect` and left out of every total; it is never refused.
  /** Interval energy of one reading above this (kWh) is suspect. 100 kWh in a minute is a 6 MW draw. */
  @Type(() => Number) @IsFiniteNumber() @Min(0) SUSPECT_KWH_PER_READING = 100;
  /** A meter voltage above this (V) is suspect (the low-voltage directive's DC ceiling). */
  @Type(() => Number) @IsFiniteNumber() @Min(0) SUSPECT_VOLTAGE_MAX = 1500;
  /** A battery temperature outside [min, max] (°C) is suspect. */
  @Type(() => Number) @IsFiniteNumber() SUSPECT_BATTERY_TEMP_MIN = -40;
  @Type(() => Number) @IsFiniteNumber() SUSPECT_BATTERY_TEMP_MAX = 100;
  /** A register's increase faster than this power (kW) over the elapsed time is a suspect jump (devices may set their own). */
  @Type(() => Number) @IsFiniteNumber() @Min(0) REGISTER_MAX_POWER_KW = 6000;
}

export function validateEnv(env: Record<string, string | undefined>): EnvSchema {
  const known = new Set(Object.keys(new EnvSchema()));
  const defined = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => known.has(name) && value !== undefined && value !== ''),
  );
  const config = plainToInstance(EnvSchema, defined, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    // Each variable with the rule it breaks; never the value, which may be a secret.
    const problems = errors.map((error) => `${error.property} (${Object.values(error.constraints ?? {}).join('; ')})`);
    throw new Error(`Invalid environment: ${problems.join(', ')}`);
  }
  if (config.WRITER_MAX_QUEUED_READINGS < config.BATCH_MAX_READINGS) {
    throw new Error('Invalid environment: WRITER_MAX_QUEUED_READINGS must be at least BATCH_MAX_READINGS');
  }
  if (config.DB_QUERY_TIMEOUT_MS <= config.DB_STATEMENT_TIMEOUT_MS) {
    throw new Error('Invalid environment: DB_QUERY_TIMEOUT_MS must be greater than DB_STATEMENT_TIMEOUT_MS');
  }
  if (config.SUSPECT_BATTERY_TEMP_MIN >= config.SUSPECT_BATTERY_TEMP_MAX) {
    throw new Error('Invalid environment: SUSPECT_BATTERY_TEMP_MIN must be below SUSPECT_BATTERY_TEMP_MAX');
  }
  if (config.NODE_ENV === 'production' && !config.API_KEYS) {
    throw new Error('Invalid environment: API_KEYS must be set when NODE_ENV=production');
  }
  if (config.NODE_ENV === 'production' && !config.DATABASE_URL) {
    // Without it the service would start an embedded database on local disk: never what production wants.
    throw new Error('Invalid environment: DATABASE_URL must be set when NODE_ENV=production');
  }
  return config;
}

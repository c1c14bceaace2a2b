import { validateEnv } from './env.schema.ts';

describe('validateEnv', () => {
  it('applies the defaults to an empty environment', () => {
    const config = validateEnv({});
    expect(config).toMatchObject({
      PORT: 3000,
      BATCH_MAX_READINGS: 10_000,
      RETENTION_DAYS: 0,
      DATABASE_URL: undefined,
    });
  });

  it('parses numbers and booleans explicitly', () => {
    const config = validateEnv({ PORT: '8080', MIGRATIONS_RUN_ON_BOOT: 'false', DB_POOL_SIZE: '20' });
    expect(config).toMatchObject({ PORT: 8080, MIGRATIONS_RUN_ON_BOOT: false, DB_POOL_SIZE: 20 });
  });

  it('ignores variables it does not know', () => {
    expect(validateEnv({ PATH: '/usr/bin' })).not.toHaveProperty('PATH');
  });

  it('names every bad variable and its rule, never the value', () => {
    const secret = 'postgres-not-really://user:hunter2@db/x';
    const attempt = (): unknown => validateEnv({ DATABASE_URL: secret, PORT: '70000', MIGRATIONS_RUN_ON_BOOT: 'yes' });
    expect(attempt).toThrow(/DATABASE_URL .*PORT .*MIGRATIONS_RUN_ON_BOOT/);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('refuses a write queue smaller than the largest batch (such a batch could never be accepted)', () => {
    expect(() => validateEnv({ WRITER_MAX_QUEUED_READINGS: '500', BATCH_MAX_READINGS: '1000' })).toThrow(
      /WRITER_MAX_QUEUED_READINGS must be at least BATCH_MAX_READINGS/,
    );
  });

  it('refuses production without API keys', () => {
    expect(() => validateEnv({ NODE_ENV: 'production' })).toThrow(/API_KEYS must be set/);
    expect(() => validateEnv({ NODE_ENV: 'production', API_KEYS: `device:${'a'.repeat(64)}` })).not.toThrow();
  });

  it('defaults the migration, upkeep and old-reading settings, and names the bad ones', () => {
    expect(validateEnv({})).toMatchObject({
      MIGRATION_LOCK_TIMEOUT_MS: 5_000,
      MIGRATION_LOCK_RETRIES: 5,
      PARTITION_LOCK_TIMEOUT_MS: 1_000,
      PARTITION_LOCK_RETRIES: 3,
      PARTITION_HORIZON_DAYS: 31,
      READING_MAX_AGE_DAYS: 0,
    });
    expect(() => validateEnv({ MIGRATION_LOCK_TIMEOUT_MS: '0', PARTITION_HORIZON_DAYS: '0' })).toThrow(
      /MIGRATION_LOCK_TIMEOUT_MS .*PARTITION_HORIZON_DAYS/,
    );
  });
});

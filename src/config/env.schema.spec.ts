import { readFileSync } from 'node:fs';
import { EnvSchema, validateEnv } from './env.schema.ts';
import { trustProxyOption } from './trust-proxy.ts';

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

  it('refuses a client-side query timeout that would fire before the server cancels the statement', () => {
    expect(() => validateEnv({ DB_STATEMENT_TIMEOUT_MS: '20000' })).toThrow(
      'Invalid environment: DB_QUERY_TIMEOUT_MS must be greater than DB_STATEMENT_TIMEOUT_MS',
    );
    expect(validateEnv({ DB_STATEMENT_TIMEOUT_MS: '20000', DB_QUERY_TIMEOUT_MS: '25000' }).DB_QUERY_TIMEOUT_MS).toBe(
      25_000,
    );
  });

  it('refuses production without API keys', () => {
    expect(() => validateEnv({ NODE_ENV: 'production' })).toThrow(/API_KEYS must be set/);
    expect(() =>
      validateEnv({ NODE_ENV: 'production', API_KEYS: `device:${'a'.repeat(64)}`, DATABASE_URL: 'postgres://db/x' }),
    ).not.toThrow();
  });

  it('refuses production without DATABASE_URL (it would start an embedded database), naming the variable', () => {
    const attempt = (): unknown => validateEnv({ NODE_ENV: 'production', API_KEYS: `device:${'a'.repeat(64)}` });
    expect(attempt).toThrow('Invalid environment: DATABASE_URL must be set when NODE_ENV=production');
    expect(() => validateEnv({ NODE_ENV: 'development' })).not.toThrow();
  });

  it.each([
    ['true', true],
    ['false', false],
    [' 10.0.0.0/8, 192.168.1.7 ', ['10.0.0.0/8', '192.168.1.7']],
    ['loopback,::1/128', ['loopback', '::1/128']],
  ])('accepts TRUST_PROXY=%s', (setting, option) => {
    expect(trustProxyOption(validateEnv({ TRUST_PROXY: setting }).TRUST_PROXY)).toEqual(option);
  });

  it.each(['1', 'yes', '10.0.0.0/33', '300.1.1.1', 'fe80::/129', '10.0.0.1/8/2', 'loopback,'])(
    'refuses TRUST_PROXY=%s naming the variable',
    (setting) => {
      expect(() => validateEnv({ TRUST_PROXY: setting })).toThrow(/TRUST_PROXY \(TRUST_PROXY must be true, false/);
    },
  );

  it('validates the rate-limit settings', () => {
    expect(validateEnv({ REDIS_URL: 'redis://127.0.0.1:6379/0' }).REDIS_URL).toBe('redis://127.0.0.1:6379/0');
    expect(() => validateEnv({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/REDIS_URL must start with redis:\/\//);
    expect(() => validateEnv({ RATE_LIMIT_FAILED_AUTH_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_FAILED_AUTH_PER_MINUTE/);
    expect(() => validateEnv({ RATE_LIMIT_DEVICE_KEY_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_DEVICE_KEY_PER_MINUTE/);
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

  it('defaults the plausibility bounds, refuses bad ones by name and an empty battery range', () => {
    expect(validateEnv({})).toMatchObject({
      SUSPECT_KWH_PER_READING: 100,
      SUSPECT_VOLTAGE_MAX: 1500,
      SUSPECT_BATTERY_TEMP_MIN: -40,
      SUSPECT_BATTERY_TEMP_MAX: 100,
      REGISTER_MAX_POWER_KW: 6000,
    });
    expect(validateEnv({ SUSPECT_KWH_PER_READING: '250.5' }).SUSPECT_KWH_PER_READING).toBe(250.5);
    expect(() => validateEnv({ SUSPECT_KWH_PER_READING: '-1', REGISTER_MAX_POWER_KW: 'lots' })).toThrow(
      /SUSPECT_KWH_PER_READING .*REGISTER_MAX_POWER_KW/,
    );
    expect(() => validateEnv({ SUSPECT_BATTERY_TEMP_MIN: '50', SUSPECT_BATTERY_TEMP_MAX: '50' })).toThrow(
      /SUSPECT_BATTERY_TEMP_MIN must be below SUSPECT_BATTERY_TEMP_MAX/,
    );
  });
});

describe('the documented settings', () => {
  const variables = Object.keys(new EnvSchema());
  const envExample = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('.env.example lists every variable with its default', () => {
    const listed = new Map(
      envExample
        .split('\n')
        .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(variables.filter((name) => !listed.has(name))).toEqual([]);
    const defaults = validateEnv({}) as unknown as Record<string, string | number | boolean | undefined>;
    const differing = variables.filter(
      (name) => listed.get(name) !== '' && listed.get(name) !== String(defaults[name] ?? ''),
    );
    expect(differing).toEqual([]);
  });

  it("the README's configuration table names every variable", () => {
    expect(variables.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});

import type { EnvSchema } from '../config/env.schema.ts';
import type { MigrationSettings } from './migration-runner.ts';

/** Migration settings from the configuration (start-up and the CLI alike); lock timeouts are logged. */
export function migrationSettings(
  config: Pick<EnvSchema, 'MIGRATION_LOCK_TIMEOUT_MS' | 'MIGRATION_LOCK_RETRIES' | 'DB_CONNECT_TIMEOUT_MS'>,
  log: (message: string) => void = console.warn,
): MigrationSettings {
  return {
    lockTimeoutMs: config.MIGRATION_LOCK_TIMEOUT_MS,
    lockRetries: config.MIGRATION_LOCK_RETRIES,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    onLockTimeout: (attempt, error) =>
      log(
        `A migration waited more than MIGRATION_LOCK_TIMEOUT_MS (${config.MIGRATION_LOCK_TIMEOUT_MS} ms) for a lock ` +
          `(${error.message}); rolled back, retry ${attempt} of ${config.MIGRATION_LOCK_RETRIES}`,
      ),
  };
}

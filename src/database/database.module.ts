import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.ts';
import { DatabaseEndpoint } from './database-endpoint.ts';
import { dataSourceOptions } from './data-source-options.ts';
import { DatabaseConnector } from './database-connector.ts';
import { DatabaseHealth } from './database-health.ts';
import { DatabasePool } from './database-pool.ts';
import { PartitionMaintainer } from './partition-maintainer.ts';

@Global()
@Module({
  providers: [
    {
      provide: DatabaseEndpoint,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => DatabaseEndpoint.resolve(config),
    },
  ],
  exports: [DatabaseEndpoint],
})
class DatabaseEndpointModule {}

@Module({
  imports: [
    DatabaseEndpointModule,
    TypeOrmModule.forRootAsync({
      inject: [AppConfig, DatabaseEndpoint],
      useFactory: (config: AppConfig, endpoint: DatabaseEndpoint) =>
        // Connected by DatabaseConnector, so that the service starts (and retries) while the database is down.
        ({
          ...dataSourceOptions(endpoint.url, {
            poolSize: config.DB_POOL_SIZE,
            statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
            connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
            queryTimeoutMs: config.DB_QUERY_TIMEOUT_MS,
          }),
          manualInitialization: true,
        }),
    }),
  ],
  providers: [DatabaseConnector, DatabaseHealth, PartitionMaintainer, DatabasePool],
  exports: [DatabaseConnector, DatabaseHealth, PartitionMaintainer, DatabasePool],
})
export class DatabaseModule {}

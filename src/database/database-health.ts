import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseConnector } from './database-connector.ts';

const PING_TIMEOUT_MS = 2000;

/** Whether the database can serve requests: connected, migrated, partitioned, and answering a ping in time. */
@Injectable()
export class DatabaseHealth {
  constructor(
    private readonly dataSource: DataSource,
    private readonly connector: DatabaseConnector,
  ) {}

  async isUp(): Promise<boolean> {
    return this.connector.isReady() && (await this.ping());
  }

  private async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    try {
      const ping = this.dataSource.query('SELECT 1').then(
        () => true,
        () => false,
      );
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

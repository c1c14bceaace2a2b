import { Injectable } from '@nestjs/common';
import { CannotExecuteNotConnectedError, DataSource, type EntityManager } from 'typeorm';
import {
  DELETE_PERIOD,
  DELETE_PERIODS_FROM,
  END_PERIOD_AT,
  INSERT_PERIOD,
  LOCK_VEHICLE_LINKS,
  type PeriodRow,
  REOPEN_PERIOD,
  SELECT_CURRENT_PAGE,
  SELECT_CURRENT_PERIOD,
  SELECT_VEHICLE_PERIODS,
  SELECT_VEHICLE_PERIODS_NEWEST_FIRST,
} from './links.sql.ts';

/** The statements a change of one vehicle's periods may run, inside its transaction and lock. */
export interface PeriodEditor {
  periods(): Promise<PeriodRow[]>;
  insert(from: Date | null, meterId: string): Promise<void>;
  deleteFrom(from: Date): Promise<void>;
  endAt(at: Date): Promise<void>;
  /** Makes the period starting at `from` (null: -infinity) the open, current one. */
  reopen(from: Date | null): Promise<void>;
  deletePeriod(from: Date): Promise<void>;
}

@Injectable()
export class LinksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The data source once the database has been reached (before that, a 503 like any outage). */
  private get db(): DataSource {
    if (!this.dataSource.isInitialized) throw new CannotExecuteNotConnectedError();
    return this.dataSource;
  }

  /** Runs `change` in one transaction holding the vehicle's link lock; answers its periods afterwards. */
  async change<T>(vehicleId: string, change: (editor: PeriodEditor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (em) => {
      await em.query(LOCK_VEHICLE_LINKS, [vehicleId]);
      return change(editorFor(em, vehicleId));
    });
  }

  async current(vehicleId: string): Promise<PeriodRow | undefined> {
    const [row] = await this.db.query<PeriodRow[]>(SELECT_CURRENT_PERIOD, [vehicleId]);
    return row;
  }

  history(vehicleId: string): Promise<PeriodRow[]> {
    return this.db.query<PeriodRow[]>(SELECT_VEHICLE_PERIODS_NEWEST_FIRST, [vehicleId]);
  }

  /** Up to `limit` current links by vehicle id after `after`, optionally only those on one meter. */
  currentPage(limit: number, after?: string, meterId?: string): Promise<PeriodRow[]> {
    return this.db.query<PeriodRow[]>(SELECT_CURRENT_PAGE, [limit, after ?? null, meterId ?? null]);
  }
}

function editorFor(em: EntityManager, vehicleId: string): PeriodEditor {
  return {
    periods: () => em.query<PeriodRow[]>(SELECT_VEHICLE_PERIODS, [vehicleId]),
    insert: async (from, meterId) => {
      await em.query(INSERT_PERIOD, [vehicleId, from, meterId]);
    },
    deleteFrom: async (from) => {
      await em.query(DELETE_PERIODS_FROM, [vehicleId, from]);
    },
    endAt: async (at) => {
      await em.query(END_PERIOD_AT, [vehicleId, at]);
    },
    reopen: async (from) => {
      await em.query(REOPEN_PERIOD, [vehicleId, from]);
    },
    deletePeriod: async (from) => {
      await em.query(DELETE_PERIOD, [vehicleId, from]);
    },
  };
}

import pg from 'pg';

/** Connection strings: the bench keeps host, port and credentials of the base URL and picks its own database. */
export function withDatabase(baseUrl, database) {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function connect(url, applicationName = 'energy-bench') {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  return client;
}

/** Runs fn with a client on the maintenance database of the base URL's server. */
export async function withAdmin(baseUrl, fn) {
  const client = await connect(withDatabase(baseUrl, 'postgres'));
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
function ident(name) {
  if (!IDENT.test(name)) throw new Error(`Refusing database name ${JSON.stringify(name)}: use [a-z0-9_]`);
  return name;
}

export async function databaseExists(baseUrl, name) {
  return withAdmin(baseUrl, async (admin) => {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rows.length > 0;
  });
}

/** Drops (ending only the sessions connected to that one database) and re-creates a bench database. */
export async function recreateDatabase(baseUrl, name) {
  await withAdmin(baseUrl, async (admin) => {
    await dropDatabase(admin, name);
    await admin.query(`CREATE DATABASE ${ident(name)}`);
  });
  return withDatabase(baseUrl, name);
}

export async function dropDatabase(admin, name) {
  await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
  await admin.query(`DROP DATABASE IF EXISTS ${ident(name)}`);
}

/** Seed metadata lives in the database comment (JSON), so nothing is added to the service's schema. */
export async function readSeedInfo(baseUrl, name) {
  return withAdmin(baseUrl, async (admin) => {
    const { rows } = await admin.query(
      `SELECT shobj_description(oid, 'pg_database') AS comment, pg_database_size(oid)::int8::text AS bytes
       FROM pg_database WHERE datname = $1`,
      [name],
    );
    if (rows.length === 0) return undefined;
    let info;
    try {
      info = JSON.parse(rows[0].comment ?? 'null');
    } catch {
      info = null;
    }
    return info ? { ...info, databaseBytes: Number(rows[0].bytes) } : { incomplete: true };
  });
}

export async function writeSeedInfo(baseUrl, name, info) {
  await withAdmin(baseUrl, (admin) =>
    admin.query(`COMMENT ON DATABASE ${ident(name)} IS ${pg.escapeLiteral(JSON.stringify(info))}`),
  );
}

/** Waits until no session but the bench's own runs a statement in the database (the service's writer is idle). */
export async function waitForIdle(client, database, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let quietPolls = 0;
  while (Date.now() < deadline) {
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND state <> 'idle' AND pid <> pg_backend_pid()
         AND application_name NOT LIKE 'energy-bench%'`,
      [database],
    );
    quietPolls = rows[0].n === 0 ? quietPolls + 1 : 0;
    if (quietPolls >= 3) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Waits until the server at `url` answers again (after a restart), at most 60 s. */
export async function waitForPostgres(url) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await withAdmin(url, (admin) => admin.query('SELECT 1'));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Waits until the service's attribution snapshots cover the whole hours [from, to) (the fleet report's
 * own test, SNAPSHOT_END of the built service, reaches `to`), so that the fleet report is measured as it
 * runs once the builder has caught up; answers how long that took, in ms.
 */
export async function waitForSnapshots(url, window, timeoutMs = 600_000) {
  const { SNAPSHOT_END } = await import('../../dist/src/analytics/attribution-snapshots.sql.js');
  const client = await connect(url, 'energy-bench-snapshots');
  const started = performance.now();
  try {
    for (;;) {
      const { rows } = await client.query(SNAPSHOT_END, [window.from, window.to]);
      if (rows[0].snapshot_end.getTime() === new Date(window.to).getTime()) return performance.now() - started;
      if (performance.now() - started > timeoutMs) {
        throw new Error(`attribution snapshots of ${window.from} – ${window.to} not built after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await client.end();
  }
}

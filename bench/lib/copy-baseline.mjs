import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { connect } from './db.mjs';

/**
 * PostgreSQL's own limit for the batch phase: `COPY … FROM STDIN` (text format) of `rows` readings,
 * half meter and half vehicle, into the service's own history tables in the same database, one COPY
 * per table on two connections at once (as the service's writer works on both streams), each its
 * own transaction, timed until both committed. The rows carry the columns the service writes (its
 * statement adds the roll-ups and live rows, which COPY does not: that is the service's cost).
 *
 * The devices are `COPY-M-…`/`COPY-V-…` (never the bench fleet's, so nothing conflicts), at whole
 * minutes back from `originMs`; they are deleted afterwards and the tables vacuumed, outside the
 * timing, so that verification and later phases see only the fleet's rows.
 */
export async function copyBaseline({ databaseUrl, rows, devices, originMs, tag }) {
  const perStream = Math.max(1, Math.floor(rows / 2));
  const streams = [
    {
      table: 'meter_telemetry',
      columns: 'meter_id, ts, kwh_consumed_ac, reported_kwh, voltage, quality, quality_reason, received_at',
      id: (d) => `COPY-M-${tag}-${d}`,
      line: (id, ts, i) => `${id}\t${ts}\t${(0.1 + (i % 50) / 1000).toFixed(3)}\t\\N\t230.5\tok\t\\N\t${ts}\n`,
    },
    {
      table: 'vehicle_telemetry',
      columns:
        'vehicle_id, ts, soc, kwh_delivered_dc, reported_kwh, battery_temp, quality, quality_reason, received_at',
      id: (d) => `COPY-V-${tag}-${d}`,
      line: (id, ts, i) =>
        `${id}\t${ts}\t${10 + (i % 80)}\t${(0.09 + (i % 45) / 1000).toFixed(3)}\t\\N\t28.5\tok\t\\N\t${ts}\n`,
    },
  ];
  const clients = await Promise.all(streams.map(() => connect(databaseUrl)));
  try {
    const started = performance.now();
    await Promise.all(
      streams.map(async (stream, s) => {
        const client = clients[s];
        await client.query('BEGIN');
        const copy = client.query(copyFrom(`COPY ${stream.table} (${stream.columns}) FROM STDIN`));
        await pipeline(Readable.from(lines(stream, perStream, devices, originMs)), copy);
        await client.query('COMMIT');
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const [admin] = clients;
    await admin.query(`DELETE FROM meter_telemetry WHERE meter_id LIKE $1`, [`COPY-M-${tag}-%`]);
    await admin.query(`DELETE FROM vehicle_telemetry WHERE vehicle_id LIKE $1`, [`COPY-V-${tag}-%`]);
    await admin.query('VACUUM meter_telemetry, vehicle_telemetry');
    return { rows: perStream * 2, seconds, rowsPerS: (perStream * 2) / seconds };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/** The stream's COPY text in chunks of 2,000 rows: device by device within a minute, minute by minute back. */
function* lines(stream, count, devices, originMs) {
  let chunk = '';
  for (let i = 0; i < count; i += 1) {
    const device = i % devices;
    const ts = new Date(originMs - (1 + Math.floor(i / devices)) * 60_000).toISOString();
    chunk += stream.line(stream.id(device), ts, i);
    if (i % 2000 === 1999) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

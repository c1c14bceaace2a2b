import autocannon from 'autocannon';
import { Samples } from './stats.mjs';

/**
 * One autocannon phase against POST /v1/telemetry. Each request's readings come from
 * `nextBatch()`; an acknowledged request (201 with accepted = sent) is passed to `onAck`,
 * a refused one (any other status) is kept in `refused`, and requests still in flight when
 * autocannon stops (it cuts connections at the end of the duration) or that timed out are
 * kept in `inDoubt`: the bench later looks them up in the database.
 */
export async function loadPhase({
  url,
  headers,
  connections,
  durationS,
  overallRate,
  nextBatch,
  onAck,
  abortIf = () => undefined,
  timeoutS = 30,
}) {
  const inFlight = new Set();
  const refused = [];
  const anomalies = [];
  const statuses = {};
  const latencies = new Samples();
  let acknowledged = 0;
  let acknowledgedRequests = 0;
  let aborted;
  let instance;
  const EMPTY = { keys: new Int32Array(0), slots: new Int32Array(0), wh: new Int32Array(0), body: '[]' };

  const started = performance.now();
  const result = await new Promise((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: timeoutS,
        overallRate,
        // autocannon's coordinated-omission correction passes ceil(1 / per-connection rate) = 1 ms as the
        // expected interval (seconds taken for ms), which back-fills a sample for every ms of every latency;
        // the bench records its own latencies (µs resolution), request written → response complete.
        ignoreCoordinatedOmission: overallRate !== undefined,
        requests: [
          {
            method: 'POST',
            path: '/v1/telemetry',
            headers: { 'content-type': 'application/json', ...headers },
            setupRequest(request, context) {
              // A dead server makes autocannon reconnect (and build requests) in a tight loop: stop instead.
              aborted ??= abortIf();
              if (aborted) {
                setImmediate(() => instance.stop());
                context.batch = undefined;
                return { ...request, body: EMPTY.body };
              }
              const batch = nextBatch();
              context.batch = batch;
              inFlight.add(batch);
              const built = { ...request, body: batch.body };
              batch.sentAt = performance.now();
              return built;
            },
            onResponse(status, body, context) {
              const batch = context.batch;
              if (!batch || !inFlight.delete(batch)) return;
              latencies.add(performance.now() - batch.sentAt);
              statuses[status] = (statuses[status] ?? 0) + 1;
              if (status !== 201) {
                refused.push({ batch, status, body: body.slice(0, 300) });
                return;
              }
              let ack;
              try {
                ack = JSON.parse(body);
              } catch {
                ack = undefined;
              }
              if (ack?.accepted === batch.keys.length && ack.duplicates === 0) {
                acknowledged += batch.keys.length;
                acknowledgedRequests += 1;
                onAck(batch);
              } else {
                // 201 but not "all stored": with unique readings this must not happen; verified later.
                anomalies.push({ batch, body: body.slice(0, 300) });
              }
            },
          },
        ],
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('error', reject);
  });
  const elapsedS = (performance.now() - started) / 1000;

  return {
    elapsedS,
    connections,
    overallRate,
    requests: result.requests.total,
    requestsPerS: result.requests.total / elapsedS,
    acknowledged,
    acknowledgedRequests,
    readingsPerS: acknowledged / elapsedS,
    latency: latencies.summary(),
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    refused,
    anomalies,
    inDoubt: [...inFlight],
    aborted,
  };
}

/**
 * `amount` GETs over `connections` (1: sequential), paths from `nextPath()`; `check(status, body, path)`
 * names bad answers; `groupOf(path)`, when given, also summarizes latencies per group (interleaved routes).
 */
export async function getPhase({ url, headers, amount, connections = 1, nextPath, check, groupOf }) {
  const problems = [];
  const latencies = new Samples();
  const groups = new Map();
  const started = performance.now();
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        pipelining: 1,
        amount,
        timeout: 30,
        requests: [
          {
            method: 'GET',
            headers,
            setupRequest(request, context) {
              context.path = nextPath();
              const built = { ...request, path: context.path };
              context.sentAt = performance.now();
              return built;
            },
            onResponse(status, body, context) {
              const elapsed = performance.now() - context.sentAt;
              latencies.add(elapsed);
              if (groupOf) {
                const group = groupOf(context.path);
                if (!groups.has(group)) groups.set(group, new Samples());
                groups.get(group).add(elapsed);
              }
              const problem = check(status, body, context.path);
              if (problem) problems.push(problem);
            },
          },
        ],
      },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('error', reject);
  });
  const elapsedS = (performance.now() - started) / 1000;
  return {
    elapsedS,
    requests: result.requests.total,
    latency: latencies.summary(),
    groups: Object.fromEntries([...groups].map(([group, samples]) => [group, samples.summary()])),
    non2xx: result.non2xx,
    errors: result.errors,
    problems,
  };
}

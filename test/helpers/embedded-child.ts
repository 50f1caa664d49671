// Child process for the embedded PostgreSQL tests: starts the cluster in argv[2], writes
// a row, prints "ready <url>" and waits to be killed.
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/store/embedded.js';

const server = await startEmbeddedPostgres({ dataDir: process.argv[2]!, port: 0 });
const client = new pg.Client({ connectionString: server.url });
await client.connect();
await client.query('CREATE TABLE IF NOT EXISTS marks (n int)');
await client.query('INSERT INTO marks VALUES (1)');
await client.end();
process.stdout.write(`ready ${server.url}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
setInterval(() => {}, 1 << 30);

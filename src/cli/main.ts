// Entry point of the `stocksync` command: bin/stocksync.js runs this file, compiled in
// dist/ when that build is current, else through tsx.

import { run } from './program.js';

const code = await run(process.argv);
// A failed command may leave handles open (a pool, a timer): exit rather than hang.
// stderr is synchronous for files and pipes on Linux, so nothing written is lost.
if (code !== 0) process.exit(code);

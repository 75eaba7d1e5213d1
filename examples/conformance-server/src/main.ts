#!/usr/bin/env node
/** `node dist/main.js [port]`: serves the conformance fixtures; prints the MCP URL on stdout. */
import { createDefaultLogger } from '@alter/vault';
import { startConformanceServer } from './server.js';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const handle = await startConformanceServer({ port, logger: createDefaultLogger() });
console.log(handle.url);
const stop = () => {
  handle.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

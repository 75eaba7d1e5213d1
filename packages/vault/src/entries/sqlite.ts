// @alter/vault/sqlite — every export here is public API. The SQLite store, with its driver
// imported statically: import this entry (instead of relying on `store: 'path'`) when a bundler
// must see the driver. better-sqlite3 is a native module, so a bundle keeps it external
// (esbuild `--external:better-sqlite3`) and installs it beside the bundle: docs/bundling.md.
import Database from 'better-sqlite3';
import { provideDriver } from '../internal/optional-driver.js';

provideDriver('better-sqlite3', Database);

export { SqliteGrantStore } from '../sqlite-grant-store.js';
export type { SqliteGrantStoreOptions } from '../sqlite-grant-store.js';

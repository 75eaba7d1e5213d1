// @alter/vault/postgres — every export here is public API. The PostgreSQL store, with its driver
// (`pg`, pure JavaScript) imported statically, so a bundler includes it: import this entry in a
// bundled app that uses PostgreSQL (docs/bundling.md). Without a bundler, `store: 'postgres://…'`
// loads `pg` by itself when the store is created.
import pg from 'pg';
import { provideDriver } from '../internal/optional-driver.js';

provideDriver('pg', pg);

export { PostgresGrantStore } from '../postgres-grant-store.js';
export type { PostgresGrantStoreOptions } from '../postgres-grant-store.js';

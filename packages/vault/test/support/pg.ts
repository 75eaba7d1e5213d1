/**
 * PostgreSQL helpers for tests. Tests that need PostgreSQL read `ALTER_TEST_PG_URL`; when it is
 * unset they are skipped WITH a printed reason, never silently.
 *
 * @example
 * describeWithPostgres('PostgresGrantStore', (pg) => {
 *   it('opens', async () => {
 *     const store = new PostgresGrantStore({ connectionString: pg.url, schema: pg.schema });
 *     await store.open();
 *     await store.close();
 *   });
 * });
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import pg from 'pg';

/** The PostgreSQL URL tests use, or undefined when `ALTER_TEST_PG_URL` is unset. */
export function pgTestUrl(): string | undefined {
  const url = process.env.ALTER_TEST_PG_URL;
  return url && url.trim() !== '' ? url.trim() : undefined;
}

/** A fresh schema for one test file. Fields are valid from `beforeAll` on. */
export interface PgTestSchema {
  /** The server URL (ALTER_TEST_PG_URL), without the schema. */
  readonly url: string;
  /** The random schema name created for this describe block (`alter_test_<hex>`). */
  readonly schema: string;
  /** `url` plus `?schema=<schema>`, the form `new AlterVault({ store: '…' })` accepts. */
  readonly urlWithSchema: string;
}

let printedSkipReason = false;
const SKIP_REASON = 'PostgreSQL tests skipped: set ALTER_TEST_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run them.';

/**
 * Call inside a `describe`: registers `beforeAll` (create a random schema) and `afterAll` (drop it
 * with CASCADE, together with any derived schema named `<schema>_<suffix>` — use those when one
 * test file needs several isolated stores). Returns a handle whose fields are readable once `beforeAll` ran.
 * @throws Error when ALTER_TEST_PG_URL is unset (use {@link describeWithPostgres} to skip instead).
 */
export function withPgSchema(): PgTestSchema {
  const url = pgTestUrl();
  if (!url) throw new Error(SKIP_REASON);
  const schema = `alter_test_${randomBytes(6).toString('hex')}`;
  let created = false;
  beforeAll(async () => {
    await adminQuery(url, `CREATE SCHEMA "${schema}"`);
    created = true;
  });
  afterAll(async () => {
    if (!created) return;
    // Also drop derived schemas (`<schema>_<suffix>`) a test created for extra isolation.
    await adminQuery(
      url,
      `DO $$ DECLARE s text; BEGIN
         FOR s IN SELECT nspname FROM pg_namespace WHERE nspname = '${schema}' OR left(nspname, ${schema.length + 1}) = '${schema}_' LOOP
           EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', s);
         END LOOP;
       END $$`,
    );
  });
  const sep = url.includes('?') ? '&' : '?';
  return Object.freeze({ url, schema, urlWithSchema: `${url}${sep}schema=${schema}` });
}

/**
 * `describe(name, fn)` with a fresh schema when ALTER_TEST_PG_URL is set; otherwise one skipped
 * test whose name says why, and a console.log (once per test file) with the same reason.
 */
export function describeWithPostgres(name: string, fn: (pg: PgTestSchema) => void): void {
  if (!pgTestUrl()) {
    describe(name, () => {
      if (!printedSkipReason) {
        printedSkipReason = true;
        console.log(SKIP_REASON);
      }
      it.skip(`needs PostgreSQL — ${SKIP_REASON}`, () => {});
    });
    return;
  }
  describe(name, () => {
    const handle = withPgSchema();
    fn(handle);
  });
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * One suite on both real stores: a SQLite file and PostgreSQL (skipped with a printed reason when
 * `ALTER_TEST_PG_URL` is unset). `store()` returns a fresh store option on every call: a new file,
 * or a new schema (`<schema>_<n>`, dropped with the file's schema) — each test's vault has its
 * own encryption key, so vaults must not share a store.
 *
 * @example
 * describeOnEachStore('audit rows', (store) => {
 *   it('verifies', async () => { const vault = new AlterVault({ store: store(), … }); … });
 * });
 */
import { afterAll, describe } from '@jest/globals';
import { tempDir } from './fixtures.js';
import { describeWithPostgres } from './pg.js';

export function describeOnEachStore(title: string, suite: (store: () => string) => void): void {
  describe(`${title}, SQLite`, () => {
    const dir = tempDir('alter-each-store');
    afterAll(() => dir.remove());
    let n = 0;
    suite(() => dir.file(`vault-${n++}.db`));
  });
  describeWithPostgres(`${title}, PostgreSQL`, (pg) => {
    let n = 0;
    suite(() => `${pg.url}${pg.url.includes('?') ? '&' : '?'}schema=${pg.schema}_${n++}`);
  });
}

import { describe, expect, it } from '@jest/globals';
import { PostgresGrantStore } from '@alter/vault';
import pg from 'pg';
import { grantLockContract, grantStoreContract } from '@alter/testing';
import { describeWithPostgres } from './support/pg.js';

describeWithPostgres('PostgresGrantStore', (db) => {
  let n = 0;
  // Each contract test gets its own schema inside this file's random schema prefix.
  // The contracts exported by @alter/testing for every store, ours and users' (docs/vault.md).
  describe('GrantStore contract: PostgreSQL', () => {
    const freshSchema = () => new PostgresGrantStore({ connectionString: db.url, schema: `${db.schema}_${++n}` });
    for (const check of grantStoreContract(freshSchema)) it(check.name, check.run);
  });

  describe('GrantLock contract: PostgreSQL (two pools)', () => {
    const twoPools = async () => {
      const schema = `${db.schema}_${++n}`;
      const one = new PostgresGrantStore({ connectionString: db.url, schema });
      const two = new PostgresGrantStore({ connectionString: db.url, schema });
      await one.open();
      await two.open();
      return {
        a: one.createGrantLock(),
        b: two.createGrantLock(),
        close: async () => void (await Promise.all([one.close(), two.close()])),
      };
    };
    for (const check of grantLockContract(twoPools)) it(check.name, check.run);
  });

  it('applies migrations once when many stores open the same schema concurrently (advisory lock)', async () => {
    const schema = `${db.schema}_race`;
    const stores = Array.from({ length: 6 }, () => new PostgresGrantStore({ connectionString: db.url, schema }));
    await Promise.all(stores.map((s) => s.open()));
    await Promise.all(stores.map((s) => s.close()));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const res = await client.query(`SELECT version FROM "${schema}".alter_migrations ORDER BY version`);
    await client.query(`DROP SCHEMA "${schema}" CASCADE`);
    await client.end();
    expect(res.rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }, { version: 6 }]);
  });

  it('accepts ?schema= in the URL and hides the password in inspect/JSON', async () => {
    const store = new PostgresGrantStore({ connectionString: `${db.urlWithSchema}` });
    expect(store.schema).toBe(db.schema);
    const withPw = new PostgresGrantStore({ connectionString: 'postgres://u:hunter2-secret@127.0.0.1:5432/x' });
    expect(JSON.stringify(withPw)).not.toContain('hunter2');
    await store.open();
    await store.close();
  });
});

import { expect, it } from '@jest/globals';
import { PostgresGrantStore } from '@alter/vault';
import pg from 'pg';
import { describeWithPostgres } from './support/pg.js';
import { runGrantLockContract, runStoreContract } from './store-contract.js';

describeWithPostgres('PostgresGrantStore', (db) => {
  let n = 0;
  // Each contract test gets its own schema inside this file's random schema prefix.
  runStoreContract('PostgreSQL', () => new PostgresGrantStore({ connectionString: db.url, schema: `${db.schema}_${++n}` }));

  runGrantLockContract('PostgreSQL (two pools)', async () => {
    const schema = `${db.schema}_${++n}`;
    const one = new PostgresGrantStore({ connectionString: db.url, schema });
    const two = new PostgresGrantStore({ connectionString: db.url, schema });
    await one.open();
    await two.open();
    return { a: one.createGrantLock(), b: two.createGrantLock(), close: async () => void (await Promise.all([one.close(), two.close()])) };
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

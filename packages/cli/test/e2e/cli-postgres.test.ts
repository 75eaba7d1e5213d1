import { randomBytes } from 'node:crypto';
import { afterAll } from '@jest/globals';
import pg from 'pg';
import { describeWithPostgres } from '../../../vault/test/support/pg.js';
import { defineCliSuite } from './cli-suite.js';

describeWithPostgres('alter CLI on PostgreSQL (built bin, real database)', (db) => {
  // Each test seeds its own vault, so each gets its own schema besides the file's (dropped after).
  const schemas: string[] = [];
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  afterAll(async () => {
    for (const s of schemas) await admin(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  });
  const withSchema = (schema: string) => `${db.url}${db.url.includes('?') ? '&' : '?'}schema=${schema}`;

  defineCliSuite({
    async freshStore() {
      const schema = `${db.schema}_${randomBytes(3).toString('hex')}`;
      await admin(`CREATE SCHEMA "${schema}"`);
      schemas.push(schema);
      return withSchema(schema);
    },
    async tamperAuditRow(store, seq) {
      const schema = new URL(store).searchParams.get('schema')!;
      const res = await admin(`UPDATE "${schema}".alter_audit SET url = 'https://evil.example/rewritten' WHERE seq = ${Number(seq)}`);
      if (res.rowCount !== 1) throw new Error(`tamper: no audit row ${seq}`);
    },
  });
});

import { describe } from '@jest/globals';
import Database from 'better-sqlite3';
import { defineCliSuite } from './cli-suite.js';

describe('alter CLI on SQLite (built bin, real vault file)', () => {
  defineCliSuite({
    freshStore: async () => undefined,
    async tamperAuditRow(store, seq) {
      const db = new Database(store);
      try {
        const changed = db.prepare("UPDATE alter_audit SET url = 'https://evil.example/rewritten' WHERE seq = ?").run(seq).changes;
        if (changed !== 1) throw new Error(`tamper: no audit row ${seq}`);
      } finally {
        db.close();
      }
    },
  });
});

import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { describeStore, sqliteFileOf } from '../../src/vault-session.js';

describe('store descriptions', () => {
  it('finds the SQLite file a store option names, relative to the working directory', () => {
    expect(sqliteFileOf(undefined, '/srv/app')).toBe(path.resolve('/srv/app/.alter/vault.db'));
    expect(sqliteFileOf('data/v.db', '/srv/app')).toBe(path.resolve('/srv/app/data/v.db'));
    expect(sqliteFileOf('sqlite:/var/lib/v.db', '/srv/app')).toBe('/var/lib/v.db');
    expect(sqliteFileOf('postgres://u@h/db', '/srv/app')).toBeUndefined();
    expect(sqliteFileOf('POSTGRESQL://u@h/db', '/srv/app')).toBeUndefined();
    expect(sqliteFileOf({ kind: 'custom' }, '/srv/app')).toBeUndefined();
  });

  it('never prints a PostgreSQL password', () => {
    const text = describeStore('postgres://alter:s3cr3t-pass@db.internal:5432/alter?schema=vault', '/');
    expect(text).toBe('postgres postgres://alter:***@db.internal:5432/alter?schema=vault');
    expect(describeStore('postgres://alter@db/x', '/')).toBe('postgres postgres://alter@db/x');
    expect(describeStore('data/v.db', '/srv')).toBe('sqlite data/v.db');
    expect(describeStore(undefined, '/srv')).toBe('sqlite .alter/vault.db (default)');
    expect(describeStore({ kind: 'redis' }, '/srv')).toBe('custom store (redis)');
  });

  it('masks every query parameter that may carry a secret, keeping only known harmless ones', () => {
    expect(describeStore('postgres://alter@db/x?schema=vault&password=s3cr3t-pass', '/')).toBe(
      'postgres postgres://alter@db/x?schema=vault&password=***',
    );
    // Not on the allowlist, so masked even though not named "password": pg reads them all.
    expect(describeStore('postgres://alter@db/x?sslmode=require&sslpassword=k3y-pass&options=-c%20x&application_name=cli', '/')).toBe(
      'postgres postgres://alter@db/x?sslmode=require&sslpassword=***&options=***&application_name=cli',
    );
    expect(describeStore('postgresql://alter:pw@db/x?PASSWORD=a&password=b&password=c', '/')).toBe(
      'postgres postgresql://alter:***@db/x?PASSWORD=***&password=***',
    );
  });
});

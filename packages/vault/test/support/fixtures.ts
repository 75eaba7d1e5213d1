/** Small shared fixtures for vault tests: keys, temp dirs, a loopback provider config. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ProviderConfig } from '@alter/vault';

export function newKey(): string {
  return randomBytes(32).toString('base64');
}

/** A random token-looking secret (long enough for the leak check). */
export function newToken(prefix: string): string {
  return `${prefix}-${randomBytes(18).toString('base64url')}`;
}

export interface TempDir {
  readonly dir: string;
  file(name: string): string;
  remove(): void;
}

export function tempDir(label = 'alter-vault-test'): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), `${label}-`));
  return {
    dir,
    file: (name) => path.join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A provider whose API is the loopback test server (plain http allowed for loopback only). */
export function loopbackProvider(id = 'acme', extra: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    id,
    displayName: 'Acme',
    clientId: 'acme-client',
    tokenEndpointAuthMethod: 'none',
    authorizationEndpoint: 'https://auth.acme.test/authorize',
    tokenEndpoint: 'https://auth.acme.test/token',
    defaultScopes: [],
    scopeSeparator: ' ',
    // Test servers listen on port 0 (any free port), so the loopback entry allows every port.
    allowedHosts: ['127.0.0.1:*'],
    allowInsecureLoopback: true,
    ...extra,
  };
}

/**
 * A real vault on `store` (a SQLite file or a PostgreSQL URL) with one user's grant for the
 * loopback provider `acme`, logging to a leak check that knows its token and key.
 */
import { createLeakCheck } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { loopbackProvider, newKey, newToken } from './fixtures.js';

export async function openVaultWithGrant(store: string, options: { readonly caller: string; readonly user: string }) {
  const leak = createLeakCheck();
  const token = leak.secret(newToken(`${options.caller}-at`), 'access token');
  const vault = new AlterVault({
    caller: options.caller,
    providers: [loopbackProvider('acme')],
    store,
    encryptionKey: leak.secret(newKey(), 'encryption key'),
    logger: leak.logger,
  });
  await vault.grants.put({ user: options.user, provider: 'acme', accessToken: token, scopes: [] });
  return { leak, vault, token };
}

/**
 * Sealing grant tokens bound to their grant. A grant's access and refresh tokens are sealed with
 * AES-GCM additional authenticated data naming the grant (user, provider, account) and the field,
 * so a sealed token copied into another grant's row (by someone who can write the database) is
 * refused instead of letting that grant's user act as the token's owner.
 *
 * The context is `JSON.stringify(['grant-token', user, provider, account, field])`: JSON of an
 * array of strings is canonical and unambiguous for any string value (user ids may contain any
 * character, `\0` included, so a separator join would not be).
 */
import { GrantTokenBindingError } from './errors.js';
import type { SealedSecret, StoredGrant } from './grant-store.js';
import type { SecretBox } from './secret-box.js';

/** Which token of a grant. */
export type GrantTokenField = 'access' | 'refresh';

/** The grant fields a token is bound to. */
export interface GrantTokenOwner {
  readonly user: string;
  readonly provider: string;
  readonly account: string;
}

/** The canonical binding context (GCM additional authenticated data) of one grant token. */
export function grantTokenContext(owner: GrantTokenOwner, field: GrantTokenField): string {
  return JSON.stringify(['grant-token', owner.user, owner.provider, owner.account, field]);
}

/** Seals a grant token bound to its grant and field (format `v2`). */
export function sealGrantToken(box: SecretBox, plain: string, owner: GrantTokenOwner, field: GrantTokenField): SealedSecret {
  return box.seal(plain, grantTokenContext(owner, field));
}

/**
 * Opens a grant token read from `grant`, checking it is bound to that grant and field.
 * @throws GrantTokenBindingError when it was sealed for another grant or field, or is unbound (`v1`);
 *   EncryptionKeyError (key id named) for an unknown key or a modified value.
 */
export function openGrantToken(
  box: SecretBox,
  grant: Pick<StoredGrant, 'id' | 'user' | 'provider' | 'account'>,
  field: GrantTokenField,
  sealed: SealedSecret,
): string {
  const opened = box.openBound(sealed);
  if (opened.context === grantTokenContext(grant, field)) return opened.plain;
  throw new GrantTokenBindingError({
    grantId: grant.id,
    user: grant.user,
    provider: grant.provider,
    ...(grant.account ? { account: grant.account } : {}),
    field,
    reason: opened.context === null ? 'unbound' : 'other-grant',
  });
}

/**
 * `rotateKey`'s reseal of one stored value: opens it with `from`, seals it with `to`.
 * - kv values (no `row`) stay unbound (`v1`), as before.
 * - a bound grant token keeps the context it was sealed with, NOT the row's: a token moved into
 *   another row must still be refused after a rotation (`onMoved` is told about it).
 * - an unbound (`v1`) grant token is bound to the row it is stored in (the one-time migration).
 * @throws EncryptionKeyError (key id named) when `from` cannot open the value.
 */
export function resealStoredSecret(
  from: SecretBox,
  to: SecretBox,
  sealed: SealedSecret,
  row: (GrantTokenOwner & { readonly grantId: string; readonly field: GrantTokenField }) | undefined,
  onMoved: (grantId: string) => void,
): SealedSecret {
  if (row === undefined) return to.seal(from.open(sealed));
  const opened = from.openBound(sealed);
  const expected = grantTokenContext(row, row.field);
  if (opened.context === null) return to.seal(opened.plain, expected);
  if (opened.context !== expected) onMoved(row.grantId);
  return to.seal(opened.plain, opened.context);
}

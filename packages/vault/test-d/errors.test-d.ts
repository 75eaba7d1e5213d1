/**
 * Type-level tests for @alter/vault's errors: `code` is a union of string literals, so a `switch`
 * over `AnyAlterError['code']` can be exhaustive and a misspelt code does not compile.
 * Checked by `npx tsc -p tsconfig.test-d.json`, never executed.
 */
import { type AlterErrorCode, type AnyAlterError, isAlterError, type ProviderApiError } from '@alter/vault';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

// The union's codes are exactly the exported code type, and neither is widened to `string`.
export type CodesAreTheExportedUnion = Expect<Equal<AnyAlterError['code'], AlterErrorCode>>;
export type CodeIsNotString = Expect<Equal<string extends AnyAlterError['code'] ? true : false, false>>;
// Every error is an Error with a `name` and a `cause`.
export type ErrorsAreErrors = Expect<Equal<AnyAlterError extends Error ? true : false, true>>;

/** Exhaustive: adding a code to `AlterErrorCode` without a case here fails to type-check. */
export function advice(err: AnyAlterError): string {
  switch (err.code) {
    case 'ALTER_CONFIG':
    case 'ALTER_INVALID_ARGUMENT':
    case 'ALTER_URL_TEMPLATE':
    case 'ALTER_ENCRYPTION_KEY':
      return 'fix the code or the configuration';
    case 'ALTER_GRANT_NOT_FOUND':
    case 'ALTER_GRANT_REVOKED':
    case 'ALTER_SCOPE_REAUTH_REQUIRED':
    case 'ALTER_ACCOUNT_AMBIGUOUS':
    case 'ALTER_CONNECT_SESSION':
      return 'send the user through Connect';
    case 'ALTER_GRANT_TOKEN_BINDING':
      return 'revoke the grant, reconnect, and check who can write the database';
    case 'ALTER_NATIVE_MODULE':
      return 'rebuild the native module for this Node (the message names the command)';
    case 'ALTER_DEPENDENCY_MISSING':
      return 'install the optional package (the message names the command)';
    case 'ALTER_HOST_NOT_ALLOWED':
      return 'allow the host in the provider config';
    case 'ALTER_HEADER_NOT_ALLOWED':
      return 'remove the header from extraHeaders';
    case 'ALTER_APPROVAL_REFUSED':
      return 'ask the user again, with a client that can show the approval';
    case 'ALTER_APPROVAL_PENDING':
      return 'show the user the approval link, then retry the same request';
    case 'ALTER_POLICY_DENIED':
      return 'declare the endpoint, or change the vault policy';
    case 'ALTER_RESPONSE_TOO_LARGE':
      return 'ask for less, or raise maxResponseBytes';
    case 'ALTER_TOKEN_REFRESH':
    case 'ALTER_PROVIDER_HTTP':
    case 'ALTER_PROVIDER_API':
    case 'ALTER_REQUEST_TIMEOUT':
    case 'ALTER_REQUEST_ABORTED':
    case 'ALTER_STORE':
      return 'retry later';
    default: {
      const unreachable: never = err.code;
      return unreachable;
    }
  }
}

export function misspeltCode(err: AnyAlterError): boolean {
  // @ts-expect-error -- not a code of the union (this comparison has no overlap).
  return err.code === 'ALTER_GRANT_MISSING';
}

export function narrowsUnknown(value: unknown): string | undefined {
  if (isAlterError(value)) return value.code;
  // @ts-expect-error -- without the guard, `value` has no `code`.
  return value.code;
}

// A subclass's code is still assignable to the union (so `instanceof` and `code` agree in type).
export const apiCode: AlterErrorCode = (null as unknown as ProviderApiError).code;

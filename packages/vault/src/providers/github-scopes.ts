/**
 * GitHub OAuth-app scope names (https://docs.github.com/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps).
 * GitHub silently drops a scope it does not know from the consent screen, so a typo (`repos`)
 * would surface only as 404s later; {@link normalizeGithubScopes} refuses it at startup instead.
 */
import { InvalidArgumentError } from '../errors.js';
import { nearestName } from '../internal/nearest-name.js';

const GITHUB_SCOPES: ReadonlySet<string> = new Set([
  'repo',
  'repo:status',
  'repo_deployment',
  'public_repo',
  'repo:invite',
  'security_events',
  'admin:repo_hook',
  'write:repo_hook',
  'read:repo_hook',
  'admin:org',
  'write:org',
  'read:org',
  'manage_runners:org',
  'admin:org_hook',
  'admin:public_key',
  'write:public_key',
  'read:public_key',
  'admin:gpg_key',
  'write:gpg_key',
  'read:gpg_key',
  'admin:ssh_signing_key',
  'write:ssh_signing_key',
  'read:ssh_signing_key',
  'gist',
  'notifications',
  'user',
  'read:user',
  'user:email',
  'user:follow',
  'project',
  'read:project',
  'delete_repo',
  'write:packages',
  'read:packages',
  'delete:packages',
  'codespace',
  'workflow',
  'write:discussion',
  'read:discussion',
  'audit_log',
  'read:audit_log',
  'copilot',
  'manage_billing:copilot',
  'admin:enterprise',
  'manage_runners:enterprise',
  'manage_billing:enterprise',
  'read:enterprise',
]);

/**
 * Checks GitHub scope names (returned unchanged); `openid`-style protocol scopes are not GitHub's
 * and are refused like any other unknown name.
 * @throws InvalidArgumentError naming `where`, the scope and the likely spelling.
 * @example
 * normalizeGithubScopes(['repo', 'read:org'], 'providers.github'); // → ['repo', 'read:org']
 */
export function normalizeGithubScopes(scopes: readonly string[], where: string): string[] {
  for (const scope of scopes) {
    if (GITHUB_SCOPES.has(scope)) continue;
    const near = nearestName(scope, GITHUB_SCOPES);
    throw new InvalidArgumentError(
      where,
      `"${scope}" is not a GitHub OAuth scope.${near === undefined ? '' : ` Did you mean "${near}"?`} See https://docs.github.com/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps.`,
    );
  }
  return [...scopes];
}

/**
 * GitHub scopes that imply narrower ones (https://docs.github.com/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps).
 * Granting `repo` covers a request for `public_repo`, so the vault's scope check and the scope
 * signal of API answers must both know it.
 */
const IMPLIED: Readonly<Record<string, readonly string[]>> = {
  repo: ['repo:status', 'repo_deployment', 'public_repo', 'repo:invite', 'security_events'],
  user: ['read:user', 'user:email', 'user:follow'],
  'admin:org': ['write:org', 'read:org', 'manage_runners:org'],
  'write:org': ['read:org'],
  'admin:public_key': ['write:public_key', 'read:public_key'],
  'write:public_key': ['read:public_key'],
  'admin:repo_hook': ['write:repo_hook', 'read:repo_hook'],
  'write:repo_hook': ['read:repo_hook'],
  'admin:gpg_key': ['write:gpg_key', 'read:gpg_key'],
  'write:gpg_key': ['read:gpg_key'],
  'write:packages': ['read:packages'],
  'admin:enterprise': ['manage_runners:enterprise', 'manage_billing:enterprise', 'read:enterprise'],
  project: ['read:project'],
};

/** The scopes plus every scope they imply, transitively. */
export function expandGithubScopes(scopes: readonly string[]): Set<string> {
  const out = new Set<string>();
  const add = (scope: string) => {
    if (out.has(scope)) return;
    out.add(scope);
    for (const implied of IMPLIED[scope] ?? []) add(implied);
  };
  for (const scope of scopes) add(scope);
  return out;
}

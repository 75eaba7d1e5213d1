import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

// The public surface of each published package is checked in as api/<name>.api.md, generated from
// the built declarations: a change to it is a reviewed diff, never an accident.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('the API reports (api/*.api.md)', () => {
  it('match the built declarations of every published package', () => {
    const result = spawnSync(process.execPath, [path.join(repo, 'tools/api-docs/api-report.mjs'), '--check'], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  }, 300_000);

  it("keep @alter/vault's internals out of its root entry point", () => {
    const report = readFileSync(path.join(repo, 'api/alter-vault.api.md'), 'utf8');
    const root = report.split('## `@alter/vault/internal`')[0] ?? '';
    // Policy helpers with no user outside the package: reachable from their modules, not exported.
    // What @alter/mcp, @alter/testing or @alter/cli share with the vault (the loopback policy,
    // scope spellings and signals) is in @alter/vault/internal; what only the vault's own tests
    // use is imported by them from its module.
    const internals = ['accountOf', 'redactUrl', 'ConnectDeps', 'ConnectPutGrantInput', 'isLoopbackHost', 'normalizeProviderScopes'];
    const shared = [
      'normalizeGoogleScopes',
      'normalizeGithubScopes',
      'normalizeSlackScopes',
      'googleScopeSignal',
      'githubScopeSignal',
      'slackScopeSignal',
    ];
    const testOnly = ['bearerInsufficientScope', 'InProcessGrantLock', 'InvalidGrantSignal', 'TokenRefresher', 'createOAuthClient'];
    for (const internal of [...internals, ...shared, ...testOnly]) {
      expect({ internal, exported: new RegExp(`\\b(function|interface|type|const|class) ${internal}\\b`).test(root) }).toEqual({
        internal,
        exported: false,
      });
    }
    expect(root).toMatch(/export declare class AlterVault\b/);
    const internalEntry = report.split('## `@alter/vault/internal`')[1]?.split('## `')[0] ?? '';
    for (const name of ['isLoopbackHost', 'normalizeProviderScopes', 'normalizeGithubScopes', 'googleScopeSignal']) {
      expect({ name, inInternalEntry: new RegExp(`\\bfunction ${name}\\b`).test(internalEntry) }).toEqual({
        name,
        inInternalEntry: true,
      });
    }
  });
});

/**
 * Each built-in provider's "insufficient scope" answer, as the real providers send it, and
 * Google's scope spelling (issue #13, findings 2 and 3). The e2e side (vault.request against the
 * sandbox's fake APIs) is in packages/testing/test/e2e/scope-signals.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError, VaultResponse, defineProvider, providers } from '@alter/vault';
import {
  githubScopeSignal,
  googleScopeSignal,
  normalizeGoogleScopes,
  normalizeProviderScopes,
  slackScopeSignal,
} from '@alter/vault/internal';
import { bearerInsufficientScope } from '../src/providers/scope-signals.js';

const JSON_TYPE = { 'content-type': 'application/json; charset=UTF-8' };
const GMAIL_READ = 'https://www.googleapis.com/auth/gmail.readonly';

function response(status: number, headers: Record<string, string>, body?: unknown): VaultResponse {
  return new VaultResponse('p', status, headers, Buffer.from(body === undefined ? '' : JSON.stringify(body)));
}

/** Google's 403 body for a missing scope (both reason spellings Google uses). */
const GOOGLE_403_BODY = {
  error: {
    code: 403,
    message: 'Request had insufficient authentication scopes.',
    errors: [{ message: 'Insufficient Permission', domain: 'global', reason: 'insufficientPermissions' }],
    status: 'PERMISSION_DENIED',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', domain: 'googleapis.com' }],
  },
};

describe('googleScopeSignal', () => {
  it('names the narrowest scope of the WWW-Authenticate insufficient_scope alternatives', () => {
    const header = `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="https://mail.google.com/ https://www.googleapis.com/auth/gmail.modify ${GMAIL_READ} https://www.googleapis.com/auth/gmail.metadata"`;
    expect(googleScopeSignal(response(403, { ...JSON_TYPE, 'www-authenticate': header }, GOOGLE_403_BODY))).toEqual([GMAIL_READ]);
    // Header alone (no JSON body) is enough.
    expect(googleScopeSignal(response(403, { 'www-authenticate': header }))).toEqual([GMAIL_READ]);
    const send =
      'Bearer error="insufficient_scope", scope="https://mail.google.com/ https://www.googleapis.com/auth/gmail.modify https://www.googleapis.com/auth/gmail.compose https://www.googleapis.com/auth/gmail.send"';
    expect(googleScopeSignal(response(403, { 'www-authenticate': send }))).toEqual(['https://www.googleapis.com/auth/gmail.send']);
  });

  it('recognizes the JSON body alone (insufficientPermissions / ACCESS_TOKEN_SCOPE_INSUFFICIENT), naming no scope', () => {
    expect(googleScopeSignal(response(403, JSON_TYPE, GOOGLE_403_BODY))).toEqual([]);
    const detailsOnly = { error: { code: 403, status: 'PERMISSION_DENIED', details: [{ reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' }] } };
    expect(googleScopeSignal(response(403, JSON_TYPE, detailsOnly))).toEqual([]);
  });

  it('leaves other answers alone', () => {
    expect(googleScopeSignal(response(200, JSON_TYPE, { messages: [] }))).toBeUndefined();
    expect(googleScopeSignal(response(403, JSON_TYPE, { error: { code: 403, errors: [{ reason: 'forbidden' }] } }))).toBeUndefined();
    expect(googleScopeSignal(response(401, { 'www-authenticate': 'Bearer error="invalid_token"' }))).toBeUndefined();
    expect(googleScopeSignal(response(403, { 'content-type': 'text/html' }))).toBeUndefined();
  });
});

describe('githubScopeSignal', () => {
  it('names the first accepted scope when X-OAuth-Scopes covers none of X-Accepted-OAuth-Scopes (403 and 404)', () => {
    expect(githubScopeSignal(response(403, { 'x-accepted-oauth-scopes': 'public_repo, repo', 'x-oauth-scopes': 'read:user' }))).toEqual([
      'public_repo',
    ]);
    expect(githubScopeSignal(response(404, { 'x-accepted-oauth-scopes': 'repo', 'x-oauth-scopes': 'public_repo, read:user' }))).toEqual([
      'repo',
    ]);
  });

  it('counts implied scopes, and ignores answers without both headers', () => {
    expect(githubScopeSignal(response(404, { 'x-accepted-oauth-scopes': 'public_repo', 'x-oauth-scopes': 'repo' }))).toBeUndefined();
    expect(githubScopeSignal(response(404, { 'x-oauth-scopes': 'read:user' }))).toBeUndefined();
    expect(githubScopeSignal(response(403, { 'x-accepted-oauth-scopes': 'repo' }))).toBeUndefined();
    expect(githubScopeSignal(response(200, { 'x-accepted-oauth-scopes': 'repo', 'x-oauth-scopes': '' }))).toBeUndefined();
  });
});

describe('slackScopeSignal', () => {
  it('names every scope of `needed` in a missing_scope answer (HTTP 200)', () => {
    const body = { ok: false, error: 'missing_scope', needed: 'chat:write,channels:history', provided: 'channels:read' };
    expect(slackScopeSignal(response(200, JSON_TYPE, body))).toEqual(['chat:write', 'channels:history']);
  });

  it('leaves other Slack errors and successes alone', () => {
    expect(slackScopeSignal(response(200, JSON_TYPE, { ok: false, error: 'channel_not_found' }))).toBeUndefined();
    expect(slackScopeSignal(response(200, JSON_TYPE, { ok: true }))).toBeUndefined();
    expect(slackScopeSignal(response(200, { 'content-type': 'text/plain' }))).toBeUndefined();
  });
});

describe('bearerInsufficientScope (RFC 6750, the default for other providers)', () => {
  it('returns every scope of the scope attribute', () => {
    expect(
      bearerInsufficientScope(
        response(403, { 'www-authenticate': 'Bearer realm="x", error="insufficient_scope", scope="a:read b:write"' }),
      ),
    ).toEqual(['a:read', 'b:write']);
    expect(bearerInsufficientScope(response(403, { 'www-authenticate': 'Bearer error="insufficient_scope"' }))).toEqual([]);
    expect(bearerInsufficientScope(response(401, { 'www-authenticate': 'Bearer error="invalid_token"' }))).toBeUndefined();
  });

  it('reads an error answer only: a success is never a scope error (and its headers are not read)', () => {
    const header = { 'www-authenticate': 'Bearer error="insufficient_scope", scope="a:read"' };
    expect(bearerInsufficientScope(response(401, header))).toEqual(['a:read']);
    expect(bearerInsufficientScope(response(200, header))).toBeUndefined();
    expect(bearerInsufficientScope(response(204, header))).toBeUndefined();
  });
});

describe('Google scope names', () => {
  it('expands the short names of the Python SDK docs to Google scope URLs and keeps openid/email/profile', () => {
    expect(normalizeGoogleScopes(['gmail.readonly', 'calendar.events', 'openid', 'email', 'profile', GMAIL_READ], 'x')).toEqual([
      GMAIL_READ,
      'https://www.googleapis.com/auth/calendar.events',
      'openid',
      'email',
      'profile',
    ]);
    for (const name of ['calendar.readonly', 'gmail.send', 'gmail.modify', 'drive.readonly']) {
      expect(normalizeGoogleScopes([name], 'x')).toEqual([`https://www.googleapis.com/auth/${name}`]);
    }
    // Full URLs of APIs the table does not list stay accepted.
    expect(normalizeGoogleScopes(['https://www.googleapis.com/auth/androidpublisher', 'https://mail.google.com/'], 'x')).toHaveLength(2);
  });

  it('refuses an unknown name with the correct spelling suggested', () => {
    expect(() => normalizeGoogleScopes(['gmail.read'], 'providers.google')).toThrow(InvalidArgumentError);
    expect(() => normalizeGoogleScopes(['gmail.read'], 'providers.google')).toThrow(
      /providers\.google: "gmail\.read" is not a Google OAuth scope\. Did you mean "gmail\.readonly" \(https:\/\/www\.googleapis\.com\/auth\/gmail\.readonly\)\?/,
    );
    expect(() => normalizeGoogleScopes(['https://www.googleapis.com/auth/calendar.event'], 'x')).toThrow(/Did you mean "calendar\.events"/);
    expect(() => normalizeGoogleScopes(['repo'], 'x')).toThrow(/"repo" is not a Google OAuth scope/);
  });

  it('is the provider-level seam: providers.google() normalizes through it, GitHub keeps its names', () => {
    const google = providers.google({ clientId: 'cid', clientSecret: 'secret', scopes: ['openid', 'gmail.readonly'] });
    expect(google.defaultScopes).toEqual(['openid', GMAIL_READ]);
    expect(normalizeProviderScopes(google, ['calendar.events'], 'w')).toEqual(['https://www.googleapis.com/auth/calendar.events']);
    const github = providers.github({ clientId: 'cid', clientSecret: 'secret' });
    expect(normalizeProviderScopes(github, ['repo', ' read:org '], 'w')).toEqual(['repo', 'read:org']);
    expect(() => normalizeProviderScopes(github, ['repos'], 'providers.github')).toThrow(
      /providers\.github: "repos" is not a GitHub OAuth scope\. Did you mean "repo"\?/,
    );
    expect(() => providers.google({ clientId: 'cid', clientSecret: 'secret', scopes: ['gmail.read'] })).toThrow(
      /Did you mean "gmail\.readonly"/,
    );
  });

  it('lets defineProvider declare a custom signal and refuses a non-function', () => {
    const base = {
      id: 'acme',
      displayName: 'Acme',
      clientId: 'c',
      clientSecret: 's',
      authorizationEndpoint: 'https://a.example/auth',
      tokenEndpoint: 'https://a.example/token',
      defaultScopes: [],
      scopeSeparator: ' ',
      allowedHosts: ['api.a.example'],
    };
    const acme = defineProvider({ ...base, scopeSignal: (r) => (r.status === 418 ? ['acme:tea'] : undefined) });
    expect(acme.scopeSignal!(response(418, {}))).toEqual(['acme:tea']);
    expect(() => defineProvider({ ...base, scopeSignal: 'yes' as never })).toThrow(/scopeSignal must be a function/);
    expect(() => defineProvider({ ...base, scopeErrors: 'ignore' as never })).toThrow(/scopeErrors must be 'raise' or 'return'/);
    expect(providers.slack({ clientId: 'c', clientSecret: 's', scopeErrors: 'return' }).scopeErrors).toBe('return');
  });
});

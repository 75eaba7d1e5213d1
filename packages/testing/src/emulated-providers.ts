/**
 * The providers the sandbox emulates: one OAuth client each at the sandbox's authorization
 * server, plus the real API hosts whose fakes accept that client's tokens. All of them share one
 * issuer (the sandbox) — only the client, the scopes and the API hosts differ.
 */

/** Ids of the emulated providers. `'sandbox'` is a generic client whose tokens every fake API accepts. */
export type EmulatedProviderId = 'google' | 'github' | 'slack' | 'sandbox';

/** Static facts about one emulated provider. */
export interface EmulatedProvider {
  readonly id: EmulatedProviderId;
  readonly displayName: string;
  /** The OAuth client registered at the sandbox for this provider. Deterministic on purpose: it is a test fixture. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** Real API hosts served by the fakes under `/hosts/<host>/…` for this provider. */
  readonly apiHosts: readonly string[];
  /** Scopes asked at every Connect (protocol scopes + a useful read-only default). */
  readonly defaultScopes: readonly string[];
  /** How the vault should read the user's identity after Connect. */
  readonly identity: 'id_token' | 'userinfo';
}

const PROTOCOL_SCOPES = ['openid', 'offline_access', 'email', 'profile'] as const;

export const EMULATED_PROVIDERS: Readonly<Record<EmulatedProviderId, EmulatedProvider>> = Object.freeze({
  google: Object.freeze({
    id: 'google',
    displayName: 'Google (sandbox)',
    clientId: 'sandbox-google',
    clientSecret: 'sandbox-google-secret',
    apiHosts: Object.freeze(['gmail.googleapis.com', 'www.googleapis.com']),
    defaultScopes: Object.freeze([...PROTOCOL_SCOPES]),
    identity: 'id_token',
  }),
  github: Object.freeze({
    id: 'github',
    displayName: 'GitHub (sandbox)',
    clientId: 'sandbox-github',
    clientSecret: 'sandbox-github-secret',
    apiHosts: Object.freeze(['api.github.com']),
    defaultScopes: Object.freeze([...PROTOCOL_SCOPES, 'read:user']),
    identity: 'userinfo',
  }),
  slack: Object.freeze({
    id: 'slack',
    displayName: 'Slack (sandbox)',
    clientId: 'sandbox-slack',
    clientSecret: 'sandbox-slack-secret',
    apiHosts: Object.freeze(['slack.com']),
    defaultScopes: Object.freeze([...PROTOCOL_SCOPES]),
    identity: 'userinfo',
  }),
  sandbox: Object.freeze({
    id: 'sandbox',
    displayName: 'Sandbox',
    clientId: 'sandbox',
    clientSecret: 'sandbox-secret',
    apiHosts: Object.freeze(['gmail.googleapis.com', 'www.googleapis.com', 'api.github.com', 'slack.com']),
    defaultScopes: Object.freeze([...PROTOCOL_SCOPES]),
    identity: 'id_token',
  }),
});

/** True when `id` names an emulated provider. */
export function isEmulatedProviderId(id: unknown): id is EmulatedProviderId {
  return typeof id === 'string' && Object.hasOwn(EMULATED_PROVIDERS, id);
}

/**
 * Every scope the sandbox's authorization server knows. oidc-provider silently drops requested
 * scopes it does not know (as some real providers do), so the real scope strings of each provider
 * are listed here; `startSandbox({ extraScopes })` adds more.
 */
export const KNOWN_SCOPES: readonly string[] = Object.freeze([
  ...PROTOCOL_SCOPES,
  // Google (Gmail, Calendar, identity)
  'https://mail.google.com/',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.metadata',
  'https://www.googleapis.com/auth/gmail.send',
  'https://www.googleapis.com/auth/gmail.compose',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://www.googleapis.com/auth/gmail.labels',
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/calendar.readonly',
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/calendar.events.readonly',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile',
  // GitHub
  'repo',
  'public_repo',
  'repo:status',
  'read:user',
  'user',
  'user:email',
  'read:org',
  'gist',
  'workflow',
  // Slack
  'channels:read',
  'channels:history',
  'channels:write',
  'groups:read',
  'groups:history',
  'chat:write',
  'im:read',
  'im:history',
  'users:read',
  'users:read.email',
  'reactions:read',
  'reactions:write',
]);

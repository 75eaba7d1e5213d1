import { invalidArgument } from './errors.js';

/** A user who can log in at the sandbox's authorization server. */
export interface SandboxUser {
  /** What `approve(url, { login })` types into the login form: `'alice'`. */
  readonly login: string;
  /** OIDC subject (default `user-<login>`). This is the `sub` of id_tokens and userinfo. */
  readonly sub?: string;
  /** Default `<login>@sandbox.test`. */
  readonly email?: string;
  /** Default: the login, capitalised, + " Sandbox" (`'Alice Sandbox'`). */
  readonly name?: string;
  /** Numeric id in the fake GitHub API (default: 10001, 10002, … in order). */
  readonly githubId?: number;
  /** Member id in the fake Slack workspace (default `U0<LOGIN>` padded). */
  readonly slackId?: string;
}

/** A {@link SandboxUser} with every field filled in. */
export interface ResolvedSandboxUser {
  readonly login: string;
  readonly sub: string;
  readonly email: string;
  readonly name: string;
  readonly githubId: number;
  readonly slackId: string;
}

/** The users every sandbox has unless `startSandbox({ users })` replaces them. */
export const DEFAULT_SANDBOX_USERS: readonly SandboxUser[] = Object.freeze([
  Object.freeze({ login: 'alice' }),
  Object.freeze({ login: 'bob' }),
]);

const LOGIN_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,38}$/i;

/** Fills in defaults and rejects duplicates; the index gives each user a stable numeric id. */
export function resolveUsers(users: readonly SandboxUser[]): ResolvedSandboxUser[] {
  const seen = new Set<string>();
  const subs = new Set<string>();
  return users.map((u, i) => {
    if (typeof u?.login !== 'string' || !LOGIN_PATTERN.test(u.login)) {
      throw invalidArgument(`options.users[${i}].login`, 'must be 1-39 letters, digits, "_", "." or "-", starting with a letter or digit.');
    }
    if (seen.has(u.login)) {
      throw invalidArgument(`options.users[${i}].login`, `"${u.login}" appears twice; logins must be unique.`);
    }
    seen.add(u.login);
    const sub = u.sub ?? `user-${u.login}`;
    if (typeof sub !== 'string' || sub === '' || subs.has(sub)) {
      throw invalidArgument(`options.users[${i}].sub`, `must be a non-empty string unique among users (got ${JSON.stringify(u.sub)}).`);
    }
    subs.add(sub);
    const pretty = u.login.charAt(0).toUpperCase() + u.login.slice(1);
    return Object.freeze({
      login: u.login,
      sub,
      email: u.email ?? `${u.login}@sandbox.test`,
      name: u.name ?? `${pretty} Sandbox`,
      githubId: u.githubId ?? 10001 + i,
      slackId: u.slackId ?? `U0${u.login.toUpperCase().replace(/[^A-Z0-9]/g, '')}`.padEnd(9, '0').slice(0, 11),
    });
  });
}

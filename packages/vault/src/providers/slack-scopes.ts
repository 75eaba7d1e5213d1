/**
 * Slack's user-token scope names (https://api.slack.com/scopes). `providers.slack()` asks for
 * user tokens (`user_scope`), and Slack answers an unknown name with an `invalid_scope` error
 * page in the user's browser — or, for a bot-only scope, a consent screen the user cannot
 * approve. {@link normalizeSlackScopes} refuses both at startup instead, with the likely spelling
 * (Slack writes `channels:read` and `chat:write`, not `channels.read` or `chat.write`).
 */
import { InvalidArgumentError } from '../errors.js';
import { nearestName } from '../internal/nearest-name.js';

const SLACK_USER_SCOPES: ReadonlySet<string> = new Set([
  // Conversations
  'channels:history',
  'channels:read',
  'channels:write',
  'channels:write.invites',
  'channels:write.topic',
  'groups:history',
  'groups:read',
  'groups:write',
  'groups:write.invites',
  'groups:write.topic',
  'im:history',
  'im:read',
  'im:write',
  'im:write.topic',
  'mpim:history',
  'mpim:read',
  'mpim:write',
  'mpim:write.topic',
  'chat:write',
  'bookmarks:read',
  'bookmarks:write',
  'pins:read',
  'pins:write',
  'reactions:read',
  'reactions:write',
  'stars:read',
  'stars:write',
  'reminders:read',
  'reminders:write',
  'links:read',
  'links:write',
  'links.embed:write',
  // Files, search, canvases, lists, calls
  'files:read',
  'files:write',
  'remote_files:read',
  'remote_files:share',
  'search:read',
  'search:read.public',
  'search:read.private',
  'search:read.im',
  'search:read.mpim',
  'search:read.files',
  'search:read.users',
  'canvases:read',
  'canvases:write',
  'lists:read',
  'lists:write',
  'calls:read',
  'calls:write',
  // People and workspace
  'users:read',
  'users:read.email',
  'users:write',
  'users.profile:read',
  'users.profile:write',
  'usergroups:read',
  'usergroups:write',
  'team:read',
  'team.billing:read',
  'team.preferences:read',
  'dnd:read',
  'dnd:write',
  'emoji:read',
  'auditlogs:read',
  // Sign in with Slack (OpenID Connect) and the legacy identity scopes
  'openid',
  'email',
  'profile',
  'identity.basic',
  'identity.email',
  'identity.avatar',
  'identity.team',
  // Enterprise Grid admin
  'admin',
  'admin.analytics:read',
  'admin.app_activities:read',
  'admin.apps:read',
  'admin.apps:write',
  'admin.barriers:read',
  'admin.barriers:write',
  'admin.calls:read',
  'admin.calls:write',
  'admin.conversations:read',
  'admin.conversations:write',
  'admin.conversations:manage_objects',
  'admin.invites:read',
  'admin.invites:write',
  'admin.roles:read',
  'admin.roles:write',
  'admin.teams:read',
  'admin.teams:write',
  'admin.usergroups:read',
  'admin.usergroups:write',
  'admin.users:read',
  'admin.users:write',
  'admin.workflows:read',
  'admin.workflows:write',
]);

/** Scopes Slack grants only to bot tokens: a user cannot approve them on the user-token consent screen. */
const SLACK_BOT_ONLY_SCOPES: ReadonlySet<string> = new Set([
  'app_mentions:read',
  'channels:join',
  'chat:write.customize',
  'chat:write.public',
  'commands',
  'incoming-webhook',
  'workflow.steps:execute',
  'assistant:write',
]);

/**
 * Checks Slack user-token scope names (returned unchanged). A bot-only scope and any name Slack
 * does not have are refused, with the likely spelling (`chat.write` → `chat:write`).
 * @throws InvalidArgumentError naming `where`, the scope and the likely spelling.
 * @example
 * normalizeSlackScopes(['channels:read', 'chat:write'], 'providers.slack'); // → ['channels:read', 'chat:write']
 */
export function normalizeSlackScopes(scopes: readonly string[], where: string): string[] {
  for (const scope of scopes) {
    if (SLACK_USER_SCOPES.has(scope)) continue;
    if (SLACK_BOT_ONLY_SCOPES.has(scope)) {
      throw new InvalidArgumentError(
        where,
        `"${scope}" is a Slack bot scope; providers.slack() asks for user tokens (the tools act as the user), which cannot hold it. Use a user scope (e.g. "chat:write"), or a bot token outside the vault.`,
      );
    }
    // Slack's separator is ':'; guides and other SDKs often write '.', which Slack does not know.
    const near = nearestName(scope, SLACK_USER_SCOPES) ?? nearestName(scope.replace(/\./, ':'), SLACK_USER_SCOPES);
    throw new InvalidArgumentError(
      where,
      `"${scope}" is not a Slack user scope.${near === undefined ? '' : ` Did you mean "${near}"?`} See https://api.slack.com/scopes (user token scopes).`,
    );
  }
  return [...scopes];
}

/**
 * Google's OAuth scope names. Google's API scopes are URLs
 * (`https://www.googleapis.com/auth/gmail.readonly`); the Python SDK's docs and most guides write
 * the short name (`gmail.readonly`), which Google rejects. {@link normalizeGoogleScopes} expands
 * short names, keeps the OpenID ones, and refuses near-misses with the right spelling.
 */
import { InvalidArgumentError } from '../errors.js';
import { editDistance, nearestName } from '../internal/nearest-name.js';

const AUTH = 'https://www.googleapis.com/auth/';

/**
 * Short names of Google's API scopes (https://developers.google.com/identity/protocols/oauth2/scopes),
 * each meaning `https://www.googleapis.com/auth/<name>`.
 */
const GOOGLE_SCOPE_NAMES: ReadonlySet<string> = new Set([
  // Gmail
  'gmail.readonly',
  'gmail.send',
  'gmail.modify',
  'gmail.compose',
  'gmail.insert',
  'gmail.labels',
  'gmail.metadata',
  'gmail.settings.basic',
  'gmail.settings.sharing',
  'gmail.addons.current.action.compose',
  'gmail.addons.current.message.action',
  'gmail.addons.current.message.metadata',
  'gmail.addons.current.message.readonly',
  // Calendar
  'calendar',
  'calendar.readonly',
  'calendar.events',
  'calendar.events.readonly',
  'calendar.settings.readonly',
  'calendar.calendarlist',
  'calendar.calendarlist.readonly',
  'calendar.calendars',
  'calendar.calendars.readonly',
  'calendar.acls',
  'calendar.acls.readonly',
  'calendar.freebusy',
  'calendar.events.freebusy',
  'calendar.events.owned',
  'calendar.events.owned.readonly',
  'calendar.events.public.readonly',
  'calendar.app.created',
  'calendar.calendars',
  // Drive, Docs, Sheets, Slides, Forms
  'drive',
  'drive.readonly',
  'drive.file',
  'drive.appdata',
  'drive.metadata',
  'drive.metadata.readonly',
  'drive.photos.readonly',
  'drive.scripts',
  'drive.activity',
  'drive.activity.readonly',
  'drive.apps.readonly',
  'drive.meet.readonly',
  'documents',
  'documents.readonly',
  'spreadsheets',
  'spreadsheets.readonly',
  'presentations',
  'presentations.readonly',
  'forms.body',
  'forms.body.readonly',
  'forms.responses.readonly',
  // People, Tasks, Chat, Keep, Meet, Photos
  'contacts',
  'contacts.readonly',
  'contacts.other.readonly',
  'directory.readonly',
  'user.emails.read',
  'user.addresses.read',
  'user.birthday.read',
  'user.phonenumbers.read',
  'user.organization.read',
  'userinfo.email',
  'userinfo.profile',
  'tasks',
  'tasks.readonly',
  'chat.messages',
  'chat.messages.readonly',
  'chat.messages.create',
  'chat.spaces',
  'chat.spaces.readonly',
  'chat.memberships',
  'chat.memberships.readonly',
  'keep',
  'keep.readonly',
  'meetings.space.created',
  'meetings.space.readonly',
  'photoslibrary.readonly',
  'photoslibrary.appendonly',
  // YouTube
  'youtube',
  'youtube.readonly',
  'youtube.upload',
  'youtube.force-ssl',
  // Workspace admin, Apps Script
  'admin.directory.user',
  'admin.directory.user.readonly',
  'admin.directory.group',
  'admin.directory.group.readonly',
  'admin.reports.audit.readonly',
  'script.projects',
  'script.external_request',
  // Cloud
  'cloud-platform',
  'cloud-platform.read-only',
  'bigquery',
  'bigquery.readonly',
  'devstorage.read_only',
  'devstorage.read_write',
  'devstorage.full_control',
  'pubsub',
  'datastore',
  'cloud-translation',
]);

/** OpenID Connect scopes Google takes as they are. */
const OPENID_SCOPES: ReadonlySet<string> = new Set(['openid', 'email', 'profile']);

/** Gmail's full-access scope is not under /auth/. */
const OTHER_GOOGLE_SCOPE_URLS: ReadonlySet<string> = new Set(['https://mail.google.com/', 'https://www.google.com/m8/feeds']);

/**
 * Expands Google short scope names to Google's scope URLs (`gmail.readonly` →
 * `https://www.googleapis.com/auth/gmail.readonly`); keeps `openid`, `email`, `profile` and full
 * Google scope URLs. A name that is neither (a typo, another provider's scope) is refused with
 * the nearest real scope suggested.
 *
 * @throws InvalidArgumentError naming the scope, where it was given, and the likely spelling.
 * @example
 * normalizeGoogleScopes(['gmail.readonly', 'openid'], 'AlterAuthProvider providers.google');
 * // → ['https://www.googleapis.com/auth/gmail.readonly', 'openid']
 */
export function normalizeGoogleScopes(scopes: readonly string[], where: string): string[] {
  const out: string[] = [];
  for (const raw of scopes) {
    const scope = raw.trim();
    if (OPENID_SCOPES.has(scope) || OTHER_GOOGLE_SCOPE_URLS.has(scope)) {
      out.push(scope);
      continue;
    }
    if (GOOGLE_SCOPE_NAMES.has(scope)) {
      out.push(AUTH + scope);
      continue;
    }
    if (scope.startsWith(AUTH) && /^[a-z0-9._-]+$/i.test(scope.slice(AUTH.length))) {
      const name = scope.slice(AUTH.length);
      // Google has far more APIs than this table: a URL is refused only as a near-miss of a known one.
      const near = GOOGLE_SCOPE_NAMES.has(name) ? undefined : nearestName(name, GOOGLE_SCOPE_NAMES);
      if (near !== undefined && editDistance(name, near) <= 2) throw unknownScope(scope, where, near);
      out.push(scope);
      continue;
    }
    throw unknownScope(scope, where, nearestName(scope.replace(/^https?:\/\/[^/]*\/(auth\/)?/, ''), GOOGLE_SCOPE_NAMES));
  }
  return [...new Set(out)];
}

function unknownScope(scope: string, where: string, suggestion: string | undefined): InvalidArgumentError {
  const hint = suggestion === undefined ? '' : ` Did you mean "${suggestion}" (${AUTH}${suggestion})?`;
  return new InvalidArgumentError(
    where,
    `"${scope}" is not a Google OAuth scope.${hint} Use a scope from https://developers.google.com/identity/protocols/oauth2/scopes: a short name such as "gmail.readonly", its full URL, or openid / email / profile.`,
  );
}

/** The built-in provider factories, gathered as `providers` (see ../index.ts). */
import { github } from './github.js';
import { google } from './google.js';
import { oauth2 } from './oauth2.js';
import { oidc } from './oidc.js';
import { slack } from './slack.js';

/**
 * Factories for the providers Alter knows: `providers.google()`, `.github()`, `.slack()`,
 * `.oidc()` (discovery) and `.oauth2()` (manual endpoints). Each returns a validated, frozen
 * `ProviderConfig` whose client secret never shows in logs or JSON.
 *
 * @example
 * const vault = new AlterVault({ caller: 'my-server', providers: [providers.google({ clientId, clientSecret })] });
 */
export const providers = Object.freeze({ google, github, slack, oidc, oauth2 });

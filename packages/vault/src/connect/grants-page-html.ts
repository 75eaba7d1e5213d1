/**
 * The HTML of the grants page: the user's connected accounts (provider, account, scopes, last
 * used) with a Disconnect button each, and the interstitial that binds a grants link to a browser.
 * Same rules as the Connect pages (connect-pages.ts): no scripts, everything escaped, never framed.
 */
import type { ServerResponse } from 'node:http';
import { escapeHtml, sendHtml } from './connect-pages.js';

/** One grant as the page shows it: nothing secret, nothing the user could not see at the provider. */
export interface GrantRow {
  readonly id: string;
  readonly providerName: string;
  readonly account: string;
  readonly scopes: readonly string[];
  /** The newest audit row of this grant, if any in the recent trail. */
  readonly lastUsed: Date | undefined;
}

/** What happened to the grant the user just disconnected (shown above the list). */
export interface DisconnectOutcome {
  readonly providerName: string;
  readonly account: string;
  readonly upstream: 'confirmed' | 'unsupported' | 'failed' | 'skipped';
}

export function sendGrantsInterstitial(
  res: ServerResponse,
  input: { readonly app: string; readonly user: string; readonly csrf: string },
): void {
  const body = `<p><b>${escapeHtml(input.app)}</b> shows the accounts connected for the user <b>${escapeHtml(input.user)}</b>, and lets you disconnect them.</p>
<p class="warn">Continue only if you are ${escapeHtml(input.user)} and asked for this page yourself. If someone sent you this link, close this tab.</p>
<form method="post" action="" data-alter-grants-form="confirm">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<button type="submit" name="action" value="confirm">Show my connected accounts</button>
</form>`;
  sendHtml(res, 200, 'Your connected accounts', body, 'grants_confirm');
}

export function sendGrantsPage(
  res: ServerResponse,
  input: {
    readonly app: string;
    readonly user: string;
    readonly grants: readonly GrantRow[];
    readonly csrf: string;
    readonly outcome?: DisconnectOutcome;
  },
): void {
  const banner = input.outcome
    ? `<p class="warn" data-alter-outcome="${escapeHtml(input.outcome.upstream)}">${escapeHtml(outcomeText(input.outcome))}</p>`
    : '';
  const rows = input.grants
    .map((g) => {
      const scopes = g.scopes.length ? g.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ') : '<i>default access</i>';
      const lastUsed = g.lastUsed
        ? `<time datetime="${g.lastUsed.toISOString()}">${escapeHtml(g.lastUsed.toISOString().replace('T', ' ').slice(0, 16))} UTC</time>`
        : '<i>not recently</i>';
      return `<tr data-alter-grant="${escapeHtml(g.id)}"><td>${escapeHtml(g.providerName)}</td><td>${escapeHtml(g.account || '—')}</td><td>${scopes}</td><td>${lastUsed}</td>
<td><form method="post" action=""><input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}"><input type="hidden" name="grant" value="${escapeHtml(g.id)}"><button type="submit" name="action" value="disconnect">Disconnect</button></form></td></tr>`;
    })
    .join('\n');
  const list = input.grants.length
    ? `<table><thead><tr><th>Service</th><th>Account</th><th>Access</th><th>Last used</th><th></th></tr></thead><tbody>
${rows}
</tbody></table>
<p><small>Disconnecting removes the access here and asks the service to revoke it.</small></p>`
    : '<p data-alter-empty="1">No accounts are connected.</p>';
  const body = `${banner}<p>Accounts connected to <b>${escapeHtml(input.app)}</b> for <b>${escapeHtml(input.user)}</b>:</p>${list}`;
  sendHtml(res, 200, 'Your connected accounts', body, 'grants');
}

function outcomeText(o: DisconnectOutcome): string {
  const what = `${o.providerName}${o.account ? ` (${o.account})` : ''}`;
  switch (o.upstream) {
    case 'confirmed':
      return `Disconnected ${what}: the access was removed here and ${o.providerName} confirmed it revoked the token.`;
    case 'unsupported':
      return `Disconnected ${what} here. ${o.providerName} offers no way for apps to revoke access; remove it in your ${o.providerName} account settings too.`;
    case 'failed':
      return `Disconnected ${what} here, but ${o.providerName} could not be reached to revoke the token. Remove the access in your ${o.providerName} account settings too.`;
    case 'skipped':
      return `${what} was already disconnected.`;
  }
}

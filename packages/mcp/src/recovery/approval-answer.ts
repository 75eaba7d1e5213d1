/**
 * The answer to a tool call whose provider request waits for an approval by URL
 * (`ApprovalPendingError`, docs/approvals.md): shaped like the Connect-link answer
 * (recovery-answer.ts) — an isError result every client shows, telling the model to give the user
 * the link, wait for the approval, and call the tool again with the same arguments; the link is in
 * `_meta` too, for clients that want it structured. Nothing was sent.
 */
import type { ApprovalPendingError } from '@alter/vault';
import type { CallToolResultShape } from '../internal/call-env.js';

/** `_meta` key carrying the approval link of such a result. */
export const APPROVAL_META_KEY = 'dev.alter/approval';

export function approvalLinkResult(tool: string, err: ApprovalPendingError): CallToolResultShape {
  const expires = err.expiresAt.toISOString();
  return {
    content: [
      {
        type: 'text',
        text:
          `${tool} needs the user's approval before it sends this request to ${err.provider}; nothing was sent yet. ` +
          `Show the user this link to review the exact request and approve it: ${err.approvalUrl} — ` +
          `then, once they say they approved it, call ${tool} again with exactly the same arguments (before ${expires}). ` +
          'A changed request needs a new approval.',
      },
    ],
    isError: true,
    _meta: {
      [APPROVAL_META_KEY]: { url: err.approvalUrl, approvalId: err.approvalId, provider: err.provider, expiresAt: expires },
    },
  };
}

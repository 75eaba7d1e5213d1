/** Public shapes of the vault's egress policy (docs/policies.md). */

/** What a policy decides about: one provider request, before its token is read. */
export interface PolicyRequest {
  readonly provider: string;
  readonly method: string;
  /** The request URL (before host rewrites), query included. Never holds a token. */
  readonly url: URL;
  readonly user: string;
  /** The tool making the request (from the MCP layer or `withAuditContext`), if any: the name it is registered under. */
  readonly tool: string | null;
  /**
   * The name that tool was declared with, before a registration prefix (`search_emails` when
   * `tool` is `g_search_emails`; the same as `tool` without a prefix), or null outside a tool.
   */
  readonly declaredTool: string | null;
  /** The endpoints the request was declared with (a tool's `endpoints`), if any. */
  readonly endpoints: readonly string[] | undefined;
}

/** Which requests a rule applies to; every field given must match (arrays: any of). */
export interface PolicyMatch {
  readonly provider?: string | readonly string[];
  readonly method?: string | readonly string[];
  readonly tool?: string | readonly string[];
  readonly user?: string | readonly string[];
}

/**
 * One vault rule. Exactly one of `deny`, `rateLimit`, `timeWindow`, `approval`:
 * - `deny: true` — refuse matching requests;
 * - `approval: 'required'` — send matching requests only after a human approved each exact
 *   request (docs/approvals.md), even when the tool did not declare `approval: 'required'`;
 * - `rateLimit: { max, perMs, per }` — refuse past `max` matching requests in a sliding `perMs`
 *   window, counted per user, per tool, or per user and tool (in this process);
 * - `timeWindow: { days?, fromHour, toHour }` — refuse matching requests outside the window (UTC;
 *   `days` 0 = Sunday … 6; hours 0–24, `fromHour` inclusive, `toHour` exclusive).
 */
export type PolicyRule = {
  /** Shown in errors and recorded in the audit row (`policyRule`). */
  readonly name: string;
  readonly match?: PolicyMatch;
} & (
  | { readonly deny: true }
  | { readonly rateLimit: { readonly max: number; readonly perMs: number; readonly per: 'user' | 'tool' | 'user+tool' } }
  | { readonly timeWindow: { readonly days?: readonly number[]; readonly fromHour: number; readonly toHour: number } }
  | { readonly approval: 'required' }
);

/** A decision of a policy function: allow, or deny naming why. */
export type PolicyVerdict = { readonly allow: true } | { readonly allow: false; readonly reason: string };

/** `new AlterVault({ policy })`. */
export interface PolicyOptions {
  /**
   * `'deny'`: a request without declared endpoints (a tool declared without `endpoints`, or a
   * direct `vault.request` without `options.endpoints`) cannot reach any provider. Default `'allow'`.
   */
  readonly undeclared?: 'allow' | 'deny';
  /** Evaluated in order after the endpoint check; the first rule that refuses decides. */
  readonly rules?: readonly PolicyRule[];
  /**
   * Last: your own function (`name` for the audit row). Throwing, returning anything but a
   * {@link PolicyVerdict}, or a rejected promise refuses the request (fail closed).
   */
  readonly decide?: { readonly name: string; readonly fn: (request: PolicyRequest) => PolicyVerdict | Promise<PolicyVerdict> };
}

/** What the audit row records about the policy: the decision and the rule that made it. */
export interface PolicyOutcome {
  readonly decision: 'allow' | 'deny';
  /** The rule that decided: an endpoint declaration, a rule's name, `undeclared`, the function's name, or `default`. */
  readonly rule: string;
  /** Set on an allowing outcome when an `approval: 'required'` rule applies: that rule's name. */
  readonly approvalRule?: string;
}

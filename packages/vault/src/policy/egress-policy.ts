/**
 * The vault's egress policy — the one function that decides whether a provider request may go out,
 * evaluated in `vault.request()` after the URL is built and the host checked, and BEFORE the
 * token is read. Order: the declared endpoints (a tool's `endpoints`; outside them → deny), then
 * deny-by-default for undeclared requests, then the rules in order, then the policy function.
 * Anything unexpected while deciding refuses the request (fail closed). Every decision, allow or
 * deny, names the rule that made it; the audit row records both.
 */
import { InvalidArgumentError, PolicyDeniedError } from '../errors.js';
import { type EndpointPattern, endpointMatches, parseEndpoint } from './endpoint-pattern.js';
import type { PolicyMatch, PolicyOptions, PolicyOutcome, PolicyRequest, PolicyRule, PolicyVerdict } from './policy-types.js';

/** What one `evaluate` needs besides the policy: the request and its (raw) declared endpoints. */
type Evaluated = PolicyOutcome & { readonly detail?: string };

const ALLOW_DEFAULT: PolicyOutcome = Object.freeze({ decision: 'allow', rule: 'default' });

interface CompiledRule {
  readonly name: string;
  /** An `approval: 'required'` rule: it never refuses, it asks for a human approval. */
  readonly asksApproval?: true;
  readonly applies: (request: PolicyRequest) => boolean;
  /** A refusal's detail, or undefined to let the request pass this rule. */
  readonly check: (request: PolicyRequest, now: number) => string | undefined;
}

export class EgressPolicy {
  readonly #undeclared: 'allow' | 'deny';
  readonly #rules: readonly CompiledRule[];
  readonly #decide: PolicyOptions['decide'];
  /** Compiled declarations, keyed by the (frozen, per-tool) array they came from. */
  readonly #compiled = new WeakMap<readonly string[], readonly EndpointPattern[]>();

  /** True when nothing but declared endpoints can refuse a request (no rules, no function, undeclared allowed). */
  readonly isTrivial: boolean;

  constructor(options: PolicyOptions | undefined) {
    const o = options ?? {};
    if (o === null || typeof o !== 'object') throw new InvalidArgumentError('options.policy', 'expected { undeclared?, rules?, decide? }');
    const known = new Set(['undeclared', 'rules', 'decide']);
    for (const key of Object.keys(o))
      if (!known.has(key)) throw new InvalidArgumentError(`options.policy.${key}`, 'is not a policy option (undeclared, rules, decide).');
    if (o.undeclared !== undefined && o.undeclared !== 'allow' && o.undeclared !== 'deny')
      throw new InvalidArgumentError('options.policy.undeclared', 'must be "allow" or "deny".');
    this.#undeclared = o.undeclared ?? 'allow';
    if (o.rules !== undefined && !Array.isArray(o.rules))
      throw new InvalidArgumentError('options.policy.rules', 'expected an array of rules');
    const names = new Set<string>();
    this.#rules = Object.freeze((o.rules ?? []).map((rule, i) => compileRule(rule, `options.policy.rules[${i}]`, names)));
    if (
      o.decide !== undefined &&
      (o.decide === null ||
        typeof o.decide !== 'object' ||
        typeof o.decide.fn !== 'function' ||
        typeof o.decide.name !== 'string' ||
        o.decide.name === '')
    ) {
      throw new InvalidArgumentError(
        'options.policy.decide',
        'expected { name: "<shown in the audit row>", fn: (request) => ({ allow: true } | { allow: false, reason }) }',
      );
    }
    this.#decide = o.decide;
    this.isTrivial = this.#undeclared === 'allow' && this.#rules.length === 0 && this.#decide === undefined;
  }

  /** Compiles (and validates) a list of declared endpoints; cached per array. */
  endpoints(declared: readonly string[], where: string): readonly EndpointPattern[] {
    let compiled = this.#compiled.get(declared);
    if (compiled === undefined) {
      if (!Array.isArray(declared)) throw new InvalidArgumentError(where, 'expected an array of endpoints like "GET /path/{id}"');
      compiled = Object.freeze(declared.map((e, i) => parseEndpoint(e, `${where}[${i}]`)));
      if (Object.isFrozen(declared)) this.#compiled.set(declared, compiled);
    }
    return compiled;
  }

  /**
   * Decides about `request`; resolves the allowing outcome, or throws PolicyDeniedError carrying
   * the refusing one (`outcomeOf(err)`).
   */
  async evaluate(request: PolicyRequest): Promise<PolicyOutcome> {
    let outcome: Evaluated;
    try {
      outcome = await this.#decideOn(request);
    } catch (err) {
      // Fail closed: a broken rule or policy function never lets a request through.
      const what = err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : 'a non-Error value was thrown';
      outcome = {
        decision: 'deny',
        rule: this.#decide?.name ?? 'policy',
        detail: `the policy failed while deciding (${what}), so the request is refused.`,
      };
    }
    if (outcome.decision === 'allow') return outcome;
    throw new PolicyDeniedError({
      provider: request.provider,
      tool: request.tool,
      method: request.method,
      path: request.url.pathname,
      rule: outcome.rule,
      detail: outcome.detail ?? 'refused.',
    });
  }

  async #decideOn(request: PolicyRequest): Promise<Evaluated> {
    let allowedBy: PolicyOutcome = ALLOW_DEFAULT;
    if (request.endpoints !== undefined) {
      const patterns = this.endpoints(request.endpoints, 'endpoints');
      const hit = patterns.find((p) => endpointMatches(p, request.method, request.url));
      if (!hit) {
        const declared = patterns.length ? patterns.map((p) => p.source).join(', ') : 'none';
        return {
          decision: 'deny',
          rule: 'endpoints',
          detail: `it is outside the ${request.tool ? 'tool' : 'request'}'s declared endpoints (${declared}). To allow it, declare "${request.method} ${request.url.pathname}" (with {param} for variable segments) in ${request.tool ? `the tool's endpoints` : 'options.endpoints'}.`,
        };
      }
      allowedBy = { decision: 'allow', rule: `endpoint ${hit.source}` };
    } else if (this.#undeclared === 'deny') {
      return {
        decision: 'deny',
        rule: 'undeclared',
        detail: `the vault denies requests without declared endpoints (policy.undeclared = "deny"); declare the endpoints ${request.tool ? `of tool ${request.tool}` : 'with options.endpoints'}.`,
      };
    }
    const now = Date.now();
    let approvalRule: string | undefined;
    for (const rule of this.#rules) {
      if (!rule.applies(request)) continue;
      if (rule.asksApproval) {
        // The first approval rule that applies is the one recorded; later rules may still refuse.
        approvalRule ??= rule.name;
        continue;
      }
      const refused = rule.check(request, now);
      if (refused !== undefined) return { decision: 'deny', rule: rule.name, detail: refused };
    }
    if (this.#decide) {
      // A copy: the URL object is the one the request is sent to (when the provider has no host
      // rewrite), so a function that changed it would send the request somewhere no check saw.
      const view = Object.freeze({ ...request, url: new URL(request.url.href) });
      const verdict = (await this.#decide.fn(view)) as PolicyVerdict | null | undefined;
      if (verdict === null || typeof verdict !== 'object' || typeof verdict.allow !== 'boolean') {
        return {
          decision: 'deny',
          rule: this.#decide.name,
          detail: 'the policy function returned no verdict ({ allow: true } or { allow: false, reason }), so the request is refused.',
        };
      }
      if (!verdict.allow)
        return { decision: 'deny', rule: this.#decide.name, detail: `${String(verdict.reason ?? 'refused').slice(0, 300)}.` };
      if (allowedBy === ALLOW_DEFAULT) allowedBy = { decision: 'allow', rule: this.#decide.name };
    }
    // The audit row names the approval rule: the request goes out only because a human approved it.
    return approvalRule === undefined ? allowedBy : { decision: 'allow', rule: approvalRule, approvalRule };
  }
}

function compileRule(raw: PolicyRule, where: string, names: Set<string>): CompiledRule {
  if (raw === null || typeof raw !== 'object') throw new InvalidArgumentError(where, 'expected a rule object');
  if (typeof raw.name !== 'string' || raw.name.trim() === '')
    throw new InvalidArgumentError(`${where}.name`, 'every rule needs a name (shown in errors and audit rows).');
  if (names.has(raw.name)) throw new InvalidArgumentError(`${where}.name`, `"${raw.name}" is used by another rule; names must be unique.`);
  names.add(raw.name);
  const applies = compileMatch(raw.match, `${where}.match`);
  const kinds = ['deny', 'rateLimit', 'timeWindow', 'approval'].filter((k) => (raw as unknown as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1)
    throw new InvalidArgumentError(
      where,
      `a rule has exactly one of deny, rateLimit, timeWindow, approval (rule "${raw.name}" has ${kinds.length ? kinds.join(' and ') : 'none'}).`,
    );
  if ('approval' in raw && raw.approval !== undefined) {
    if (raw.approval !== 'required') throw new InvalidArgumentError(`${where}.approval`, "must be 'required'");
    return { name: raw.name, applies, asksApproval: true, check: () => undefined };
  }
  if ('deny' in raw && raw.deny !== undefined) {
    if (raw.deny !== true) throw new InvalidArgumentError(`${where}.deny`, 'must be true');
    return { name: raw.name, applies, check: () => `the rule "${raw.name}" denies it.` };
  }
  if ('rateLimit' in raw && raw.rateLimit !== undefined) {
    const { max, perMs, per } = raw.rateLimit;
    if (!Number.isInteger(max) || max < 1) throw new InvalidArgumentError(`${where}.rateLimit.max`, 'must be an integer ≥ 1');
    if (!Number.isInteger(perMs) || perMs < 1)
      throw new InvalidArgumentError(`${where}.rateLimit.perMs`, 'must be an integer ≥ 1 (milliseconds)');
    if (per !== 'user' && per !== 'tool' && per !== 'user+tool')
      throw new InvalidArgumentError(`${where}.rateLimit.per`, 'must be "user", "tool" or "user+tool"');
    const windows = new Map<string, number[]>();
    return {
      name: raw.name,
      applies,
      check(request, now) {
        const key = per === 'user' ? request.user : per === 'tool' ? (request.tool ?? '') : `${request.user}\n${request.tool ?? ''}`;
        const recent = (windows.get(key) ?? []).filter((t) => t > now - perMs);
        if (recent.length >= max) {
          windows.set(key, recent);
          return `the rate limit "${raw.name}" allows ${max} request(s) per ${perMs} ms per ${per}; try again later.`;
        }
        recent.push(now);
        windows.set(key, recent);
        // Keys of idle users do not pile up: a key with no recent request is dropped.
        if (windows.size > 10_000) for (const [k, times] of windows) if (times.every((t) => t <= now - perMs)) windows.delete(k);
        return undefined;
      },
    };
  }
  const tw = (raw as { timeWindow: { days?: readonly number[]; fromHour: number; toHour: number } }).timeWindow;
  const hourOk = (h: unknown) => typeof h === 'number' && Number.isFinite(h) && h >= 0 && h <= 24;
  if (!hourOk(tw.fromHour) || !hourOk(tw.toHour) || tw.fromHour >= tw.toHour)
    throw new InvalidArgumentError(`${where}.timeWindow`, 'needs 0 ≤ fromHour < toHour ≤ 24 (UTC hours).');
  if (tw.days !== undefined && (!Array.isArray(tw.days) || tw.days.some((d) => !Number.isInteger(d) || d < 0 || d > 6))) {
    throw new InvalidArgumentError(`${where}.timeWindow.days`, 'must be day numbers 0 (Sunday) … 6 (Saturday).');
  }
  return {
    name: raw.name,
    applies,
    check(_request, now) {
      const at = new Date(now);
      const hour = at.getUTCHours() + at.getUTCMinutes() / 60;
      const dayOk = tw.days === undefined || tw.days.includes(at.getUTCDay());
      if (dayOk && hour >= tw.fromHour && hour < tw.toHour) return undefined;
      return `the rule "${raw.name}" allows it only ${tw.days ? `on days ${tw.days.join(', ')} ` : ''}between ${tw.fromHour}:00 and ${tw.toHour}:00 UTC.`;
    },
  };
}

function compileMatch(match: PolicyMatch | undefined, where: string): (request: PolicyRequest) => boolean {
  if (match === undefined) return () => true;
  if (match === null || typeof match !== 'object') throw new InvalidArgumentError(where, 'expected { provider?, method?, tool?, user? }');
  const known = new Set(['provider', 'method', 'tool', 'user']);
  for (const key of Object.keys(match))
    if (!known.has(key)) throw new InvalidArgumentError(`${where}.${key}`, 'is not a match field (provider, method, tool, user).');
  const list = (v: string | readonly string[] | undefined, field: string, upper = false): ReadonlySet<string> | undefined => {
    if (v === undefined) return undefined;
    const values = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(values) || values.length === 0 || values.some((x) => typeof x !== 'string' || x === ''))
      throw new InvalidArgumentError(`${where}.${field}`, 'expected a non-empty string or array of strings');
    return new Set(values.map((x) => (upper ? x.toUpperCase() : x)));
  };
  const provider = list(match.provider, 'provider');
  const method = list(match.method, 'method', true);
  const tool = list(match.tool, 'tool');
  const user = list(match.user, 'user');
  return (r) =>
    (provider === undefined || provider.has(r.provider)) &&
    (method === undefined || method.has(r.method)) &&
    // Either name: a rule written with the pack's name still holds when the pack is registered
    // with a prefix (`search_emails` covers `g_search_emails`), and the prefixed name picks one registration.
    (tool === undefined || (r.tool !== null && (tool.has(r.tool) || (r.declaredTool !== null && tool.has(r.declaredTool))))) &&
    (user === undefined || user.has(r.user));
}

/** The audit outcome of a refusal thrown by {@link EgressPolicy.evaluate}. */
export function deniedOutcome(err: PolicyDeniedError): PolicyOutcome {
  return { decision: 'deny', rule: err.rule };
}

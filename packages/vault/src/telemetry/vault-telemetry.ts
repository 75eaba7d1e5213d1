/**
 * What the vault reports to OpenTelemetry: one CLIENT span per provider request (the HTTP client
 * semantic conventions) and metrics for provider requests, token refreshes, Connect sessions and
 * policy denials.
 *
 * Attributes carry only what the audit row already shows in the clear: the method, the URL redacted
 * as in the audit log (redact-url.ts), host, port, status, error codes, provider ids. Never a header
 * value, a token, a user id or a query value.
 */
import { loadOtelApi, type OtelApi } from './otel-api.js';
import { CurrentTracer } from './current-tracer.js';
import { MeterInstruments } from './meter-instruments.js';
import { type AlterErrorCode, isAlterError } from '../errors.js';
import type { RefreshedTokens, TokenRefresher } from '../token-refresher.js';

/** Codes of errors that are a vault policy refusing a request before it is sent (policy denials). */
const POLICY_DENIAL_CODES: ReadonlySet<string> = new Set<AlterErrorCode>(['ALTER_HOST_NOT_ALLOWED', 'ALTER_HEADER_NOT_ALLOWED']);

interface VaultInstruments {
  readonly requestDuration: OtelApi.Histogram;
  readonly refreshes: OtelApi.Counter;
  readonly connectSessions: OtelApi.Counter;
  readonly policyDenials: OtelApi.Counter;
}

/** One provider request in flight, as a span and/or a duration (returned only when something records them). */
export interface ProviderRequestTrace {
  /** The target is known (template expanded): URL attributes and a low-cardinality span name. */
  target(redactedUrl: string, url: URL, template: string): void;
  /** Ends the span and records the duration metric. `errorCode` null on success. */
  end(status: number | null, errorCode: string | null): void;
}

export class VaultTelemetry {
  readonly #api: typeof OtelApi;
  readonly #instruments: MeterInstruments<VaultInstruments>;
  readonly #tracer: CurrentTracer;

  /** The vault's telemetry, or null when `@opentelemetry/api` is not installed or it is turned off. */
  static create(enabled: boolean): VaultTelemetry | null {
    if (!enabled) return null;
    const api = loadOtelApi();
    return api === null ? null : new VaultTelemetry(api);
  }

  private constructor(api: typeof OtelApi) {
    this.#api = api;
    this.#tracer = new CurrentTracer(api);
    this.#instruments = new MeterInstruments(api, (meter) => ({
      requestDuration: meter.createHistogram('http.client.request.duration', {
        description: 'Duration of provider requests made by the vault (including a refresh and retry after a 401).',
        unit: 's',
      }),
      refreshes: meter.createCounter('alter.vault.token.refreshes', {
        description: "Token refreshes against providers' token endpoints, by outcome.",
        unit: '{refresh}',
      }),
      connectSessions: meter.createCounter('alter.connect.sessions', {
        description: 'Connect sessions, by event (started, completed, failed).',
        unit: '{session}',
      }),
      policyDenials: meter.createCounter('alter.policy.denials', {
        description: 'Provider requests refused by a vault policy before a token was read.',
        unit: '{request}',
      }),
    }));
  }

  /**
   * Starts the span of one `vault.request()`; a child of the active span (the tool call). Undefined
   * when neither a tracer nor a meter provider is registered: nothing to record, so nothing is built
   * (the span is never made active, so with no tracer provider nothing could see it). A tracer
   * without a meter provider still gets the span, and a meter provider without a tracer the duration.
   */
  startRequest(provider: string, method: string): ProviderRequestTrace | undefined {
    const tracer = this.#tracer.get();
    const meters = this.#instruments;
    if (tracer === null && meters.get() === null) return undefined;
    const api = this.#api;
    const started = performance.now();
    const span =
      tracer === null
        ? undefined
        : tracer.startSpan(method, {
            kind: api.SpanKind.CLIENT,
            attributes: { 'http.request.method': method, 'alter.provider': provider },
          });
    let server: { address: string; port: number } | undefined;
    return {
      target(redactedUrl, url, template) {
        const port = url.port !== '' ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
        server = { address: url.hostname, port };
        if (span === undefined) return;
        const path = templatePath(template);
        if (path !== undefined) {
          span.updateName(`${method} ${path}`);
          span.setAttribute('url.template', path);
        }
        span.setAttributes({ 'url.full': redactedUrl, 'server.address': url.hostname, 'server.port': port });
      },
      end(status, errorCode) {
        const errorType = errorCode ?? (status !== null && status >= 400 ? String(status) : undefined);
        if (span !== undefined) {
          if (status !== null) span.setAttribute('http.response.status_code', status);
          if (errorType !== undefined) {
            span.setAttribute('error.type', errorType);
            span.setStatus({ code: api.SpanStatusCode.ERROR });
          }
          span.end();
        }
        // Read again: a meter provider registered or replaced while the request was in flight gets it.
        meters.get()?.requestDuration.record((performance.now() - started) / 1000, {
          'http.request.method': method,
          'alter.provider': provider,
          ...(server ? { 'server.address': server.address, 'server.port': server.port } : {}),
          ...(status !== null ? { 'http.response.status_code': status } : {}),
          ...(errorType !== undefined ? { 'error.type': errorType } : {}),
        });
      },
    };
  }

  /** The refresher, counting each refresh_token grant it performs by outcome. */
  countRefreshes(refresher: TokenRefresher, provider: string): TokenRefresher {
    const instruments = this.#instruments;
    const count = (outcome: 'success' | 'failure', errorType?: string) =>
      instruments
        .get()
        ?.refreshes.add(1, { 'alter.provider': provider, 'alter.outcome': outcome, ...(errorType ? { 'error.type': errorType } : {}) });
    return {
      async refresh(refreshToken: string, options?: { signal?: AbortSignal }): Promise<RefreshedTokens> {
        try {
          const tokens = await refresher.refresh(refreshToken, options);
          count('success');
          return tokens;
        } catch (err) {
          count(
            'failure',
            isAlterError(err) ? err.code : err instanceof Error && err.name === 'InvalidGrantSignal' ? 'invalid_grant' : 'ALTER_UNEXPECTED',
          );
          throw err;
        }
      },
    };
  }

  /** A Connect session was created, completed or failed (including expiry noticed here). */
  connectSession(event: 'started' | 'completed' | 'failed'): void {
    this.#instruments.get()?.connectSessions.add(1, { 'alter.connect.event': event });
  }

  /** Counts the error when it is a policy refusing the request. */
  requestFailed(provider: string, errorCode: string): void {
    if (POLICY_DENIAL_CODES.has(errorCode))
      this.#instruments.get()?.policyDenials.add(1, { 'alter.provider': provider, 'alter.policy.rule': errorCode });
  }
}

/**
 * The path of a URL template (`https://host/a/{id}?q=1` → `/a/{id}`): low cardinality by
 * construction, and no query values. Undefined when the host itself is templated.
 */
function templatePath(template: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#{}]+(\/[^?#]*)?/i.exec(template);
  if (!match) return undefined;
  return match[1] === undefined || match[1] === '' ? '/' : match[1];
}

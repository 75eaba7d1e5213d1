/**
 * What the MCP layer reports to OpenTelemetry, following the MCP semantic conventions: one SERVER
 * span per `tools/call` (`tools/call {tool}`; `mcp.method.name`, `gen_ai.tool.name`,
 * `gen_ai.operation.name = execute_tool`, `jsonrpc.request.id`, `mcp.session.id`;
 * `error.type = tool_error` for an `isError` result, the JSON-RPC code for an error answer), its
 * parent taken from the request's `_meta` trace context; an INTERNAL span per nested tool call; and
 * the `mcp.server.operation.duration` histogram (its count is the number of tool calls).
 *
 * The span is active while the tool runs, so the vault's provider-request spans are its children.
 * No argument, result, URL or message goes into an attribute: tool arguments and results may hold
 * the user's data, and error messages Connect links.
 */
import { CurrentTracer, loadOtelApi, MeterInstruments, type OtelApi } from '@alter/vault/internal-telemetry';
import type { CallEnv, ToolCallAnswer } from '../internal/call-env.js';
import { ContextManagerProbe } from './context-manager-probe.js';
import { parentContext } from './trace-context-from-meta.js';

const METHOD = 'tools/call';
const OPERATION = 'execute_tool';

export class ToolCallTelemetry {
  readonly #api: typeof OtelApi;
  readonly #duration: MeterInstruments<OtelApi.Histogram>;
  readonly #tracer: CurrentTracer;
  readonly #contextManager: ContextManagerProbe;

  /** Null when `@opentelemetry/api` is not installed or telemetry is off. */
  static create(enabled: boolean): ToolCallTelemetry | null {
    if (!enabled) return null;
    const api = loadOtelApi();
    return api === null ? null : new ToolCallTelemetry(api);
  }

  private constructor(api: typeof OtelApi) {
    this.#api = api;
    this.#tracer = new CurrentTracer(api);
    this.#contextManager = new ContextManagerProbe(api);
    this.#duration = new MeterInstruments(api, (meter) =>
      meter.createHistogram('mcp.server.operation.duration', {
        description: 'Duration of MCP tools/call requests served by Alter tools.',
        unit: 's',
      }),
    );
  }

  /**
   * Runs a top-level `tools/call` inside its span. With no tracer provider, no meter provider and no
   * context manager registered (the API installed, no SDK), nothing could see a span or a
   * measurement: the tool just runs.
   */
  traceCall(tool: string, env: CallEnv, run: () => Promise<ToolCallAnswer>): Promise<ToolCallAnswer> {
    const tracer = this.#spanTracer();
    if (tracer === null && this.#duration.get() === null) return run();
    return this.#traceCall(tool, env, run, tracer);
  }

  async #traceCall(tool: string, env: CallEnv, run: () => Promise<ToolCallAnswer>, tracer: OtelApi.Tracer | null): Promise<ToolCallAnswer> {
    const api = this.#api;
    const started = performance.now();
    const traced = tracer === null ? undefined : startCallSpan(api, tracer, tool, env);
    const span = traced?.span;
    let errorType: string | undefined;
    try {
      const result = await (traced === undefined ? run() : api.context.with(traced.active, run));
      if ((result as { isError?: unknown }).isError === true) errorType = 'tool_error';
      return result;
    } catch (err) {
      // A protocol answer (e.g. -32042, URL elicitation required): its JSON-RPC code.
      const code = (err as { code?: unknown } | null)?.code;
      errorType = typeof code === 'number' ? String(code) : err instanceof Error ? err.name : 'Error';
      if (typeof code === 'number') span?.setAttribute('rpc.response.status_code', String(code));
      throw err;
    } finally {
      if (span !== undefined) {
        if (errorType !== undefined) {
          span.setAttribute('error.type', errorType);
          span.setStatus({ code: api.SpanStatusCode.ERROR });
        }
        span.end();
      }
      // Read again: a meter provider registered or replaced while the tool ran gets this call.
      this.#duration.get()?.record((performance.now() - started) / 1000, {
        'mcp.method.name': METHOD,
        'gen_ai.tool.name': tool,
        'gen_ai.operation.name': OPERATION,
        ...(errorType !== undefined ? { 'error.type': errorType } : {}),
      });
    }
  }

  /** Runs a nested tool call (a tool method called from another tool's body) inside its span. */
  traceNested<T>(tool: string, run: () => Promise<T>): Promise<T> {
    const tracer = this.#spanTracer();
    return tracer === null ? run() : this.#traceNested(tool, run, tracer);
  }

  async #traceNested<T>(tool: string, run: () => Promise<T>, tracer: OtelApi.Tracer): Promise<T> {
    const api = this.#api;
    const span = tracer.startSpan(`${METHOD} ${tool}`, {
      kind: api.SpanKind.INTERNAL,
      attributes: { 'gen_ai.tool.name': tool, 'gen_ai.operation.name': OPERATION },
    });
    try {
      return await api.context.with(api.trace.setSpan(api.context.active(), span), run);
    } catch (err) {
      span.setAttribute(
        'error.type',
        err instanceof Error ? (((err as { code?: unknown }).code as string | undefined) ?? err.name) : 'Error',
      );
      span.setStatus({ code: api.SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  }

  /**
   * The tracer for a tool call's span, or null when the span would be unseen: no tracer provider and
   * no context manager registered (context-manager-probe.ts says why a context manager alone keeps it).
   */
  #spanTracer(): OtelApi.Tracer | null {
    const tracer = this.#tracer.get();
    if (tracer !== null) return tracer;
    return this.#contextManager.registered() ? this.#tracer.getEvenIfUnregistered() : null;
  }
}

/** The SERVER span of a `tools/call`, parented by the `_meta` trace context, and the context to run the tool in. */
function startCallSpan(
  api: typeof OtelApi,
  tracer: OtelApi.Tracer,
  tool: string,
  env: CallEnv,
): { readonly span: OtelApi.Span; readonly active: OtelApi.Context } {
  const parent = parentContext(api, env.meta);
  const span = tracer.startSpan(
    `${METHOD} ${tool}`,
    {
      kind: api.SpanKind.SERVER,
      attributes: {
        'mcp.method.name': METHOD,
        'gen_ai.tool.name': tool,
        'gen_ai.operation.name': OPERATION,
        'jsonrpc.request.id': String(env.requestId),
        ...(env.sessionId !== undefined ? { 'mcp.session.id': env.sessionId } : {}),
      },
    },
    parent,
  );
  return { span, active: api.trace.setSpan(parent, span) };
}

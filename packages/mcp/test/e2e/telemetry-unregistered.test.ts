/**
 * `@opentelemetry/api` installed, no SDK registered (issue #15): many libraries pull the API in, and
 * an application that never registered a tracer or meter provider must not pay for no-op spans,
 * attribute objects, `context.with` and histogram records on every tool call and provider request.
 *
 * Real parts: the SDK's Client and McpServer in memory, the sandbox's OAuth server and fake Google
 * APIs, a SQLite vault; the counting goes through the very API copy Alter loaded (`loadOtelApi()`):
 * every no-op span of that copy is made by its no-op tracer (a ProxyTracer with nothing delegated
 * forwards there), every no-op histogram record goes to its one no-op histogram, and every
 * `context.with` that makes a span active goes through its context API — so a regression on any
 * path shows in the counts.
 * Then providers are registered after the vault and AlterMCP exist: the next call's spans and
 * metrics appear, a tracer alone gets spans and a meter provider alone gets metrics. A context
 * manager alone keeps what the API's no-SDK behaviour shows a tool: the client's `_meta` trace.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type AlterContext, AlterMCP, AlterTool } from '@alter/mcp';
import { loadOtelApi } from '@alter/vault/internal-telemetry';
import { CalendarTools, GmailTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';
import { SDK_GENERATIONS, type TestClient } from '../support/sdk-generations.js';

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

/** Number of data points recorded into the histogram `name` (cumulative). */
function histogramCount(rm: ResourceMetrics, name: string): number {
  let count = 0;
  for (const scope of rm.scopeMetrics)
    for (const metric of scope.metrics)
      if (metric.descriptor.name === name) for (const point of metric.dataPoints) count += (point.value as { count: number }).count;
  return count;
}

class TraceTools {
  @AlterTool({ description: 'Answers with the trace id active in the tool, or "none".' })
  async activeTrace(_ctx: AlterContext): Promise<string> {
    const span = trace.getActiveSpan();
    return span === undefined ? 'none' : span.spanContext().traceId;
  }
}

const sdk = SDK_GENERATIONS[0]!;
const USER = 'alice-unregistered';
const EVENTS = 'https://www.googleapis.com/calendar/v3/calendars/primary/events';
let h: McpHarness;
let client: TestClient;
let closeServer: () => Promise<void>;

/** Spies on the no-op paths of the API copy Alter loaded; the counts are what a call cost there. */
function spyOnNoops() {
  const api = loadOtelApi();
  if (api === null) throw new Error('@opentelemetry/api must be installed for this test');
  const noopTracer = new api.ProxyTracerProvider().getDelegate().getTracer('probe');
  const noopHistogram = api.createNoopMeter().createHistogram('probe');
  const noopCounter = api.createNoopMeter().createCounter('probe');
  const contextWith = jest.spyOn(api.context, 'with');
  return {
    startSpan: jest.spyOn(Object.getPrototypeOf(noopTracer) as typeof noopTracer, 'startSpan'),
    /** `context.with` calls that make a span active (the check for a context manager makes none). */
    withSpanActive: () => contextWith.mock.calls.filter(([ctx]) => api.trace.getSpan(ctx) !== undefined).length,
    record: jest.spyOn(Object.getPrototypeOf(noopHistogram) as typeof noopHistogram, 'record'),
    add: jest.spyOn(Object.getPrototypeOf(noopCounter) as typeof noopCounter, 'add'),
  };
}
let spies: ReturnType<typeof spyOnNoops>;

/** Calls a tool, completing Connect first when the user has no grant for it yet. */
async function callGranted(name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) {
  const options = meta === undefined ? {} : { meta };
  let result = await client.callTool(name, args, options);
  if (result.isError) {
    const url = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(result.content[0]?.text ?? '')?.[1];
    if (url === undefined) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    await h.sandbox.approve(url, { login: 'alice' });
    result = await client.callTool(name, args, options);
  }
  expect(result.isError).toBeFalsy();
  return result;
}

beforeAll(async () => {
  h = await createMcpHarness();
  const alter = new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger });
  const server = sdk.mcpServer('otel-unregistered');
  alter.register(server, [CalendarTools, GmailTools, TraceTools]);
  client = await sdk.connectInMemory(server);
  closeServer = async () => {
    await client.close();
    await server.close();
  };
  // Grants for both tools' scopes, so the measured calls below reach the provider.
  await callGranted('list_events', { maxResults: 1 });
  await callGranted('summarize_inbox', {});
  spies = spyOnNoops();
});
afterEach(() => {
  trace.disable();
  metrics.disable();
  context.disable();
  jest.clearAllMocks();
});
afterAll(async () => {
  jest.restoreAllMocks();
  await closeServer?.();
  await h?.close();
});

describe('with @opentelemetry/api installed and no SDK registered', () => {
  it('makes no span, makes none active and records no metric for a tool call, a nested call and a vault.request', async () => {
    await callGranted('list_events', { maxResults: 1 });
    await callGranted('summarize_inbox', {}); // a nested tool call (list_emails) and provider requests
    const res = await h.vault.request('google', 'GET', EVENTS, { user: USER });
    expect(res.status).toBe(200);
    expect(spies.startSpan).toHaveBeenCalledTimes(0);
    expect(spies.withSpanActive()).toBe(0);
    expect(spies.record).toHaveBeenCalledTimes(0);
    expect(spies.add).toHaveBeenCalledTimes(0);
  });

  it('gives the spans and metrics of the next calls to providers registered after the vault and AlterMCP were built', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const reader = new CollectingReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    try {
      await callGranted('summarize_inbox', {});
      await h.vault.request('google', 'GET', EVENTS, { user: USER });
      const names = exporter.getFinishedSpans().map((s) => s.name);
      expect(names).toEqual(
        expect.arrayContaining(['tools/call summarize_inbox', 'tools/call list_emails', 'GET /calendar/v3/calendars/primary/events']),
      );
      const rm = await reader.metrics();
      expect(histogramCount(rm, 'mcp.server.operation.duration')).toBe(1);
      expect(histogramCount(rm, 'http.client.request.duration')).toBeGreaterThanOrEqual(2);
    } finally {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    }
  });

  it('gives a tracer provider alone its spans and records no metric', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(tracerProvider);
    try {
      await callGranted('list_events', { maxResults: 1 });
      const spans = exporter.getFinishedSpans();
      expect(spans.map((s) => s.name)).toEqual(['GET /calendar/v3/calendars/primary/events', 'tools/call list_events']);
      expect(spies.record).toHaveBeenCalledTimes(0);
    } finally {
      await tracerProvider.shutdown();
    }
  });

  it('gives a meter provider alone its metrics and makes no span', async () => {
    const reader = new CollectingReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(meterProvider);
    try {
      await callGranted('list_events', { maxResults: 1 });
      const rm = await reader.metrics();
      expect(histogramCount(rm, 'mcp.server.operation.duration')).toBe(1);
      expect(histogramCount(rm, 'http.client.request.duration')).toBe(1);
      expect(spies.startSpan).toHaveBeenCalledTimes(0);
      expect(spies.withSpanActive()).toBe(0);
    } finally {
      await meterProvider.shutdown();
    }
  });

  it("keeps the client's _meta trace active in the tool when the application registered only a context manager", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const meta = { traceparent: `00-${traceId}-00f067aa0ba902b7-01` };
    // Control: without a context manager nothing can be active in the tool.
    const without = await client.callTool('active_trace', {}, { meta });
    expect(without.content[0]?.text).toBe('none');
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const withManager = await client.callTool('active_trace', {}, { meta });
    expect(withManager.content[0]?.text).toBe(traceId);
    expect(spies.record).toHaveBeenCalledTimes(0);
  });
});

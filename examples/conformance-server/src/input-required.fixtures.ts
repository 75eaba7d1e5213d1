/**
 * The multi-round-trip fixtures of the 2026-07-28 revision (SEP-2322, `input_required` results),
 * registered with the SDK v2 API: a handler returns `inputRequired(...)` naming what it needs from
 * the client (an elicitation, a sampling, the roots); the client retries the same request with
 * `inputResponses` (and the echoed `requestState`), and the handler runs again with them.
 *
 * `requestState` is sealed with the SDK's HMAC codec (`createRequestStateCodec`, wired as the
 * server's `requestState.verify`): the SDK refuses a tampered or expired state with -32602 before
 * the handler runs, and the handler reads the verified payload. On a 2025-era session the SDK's
 * legacy shim fulfils the same `input_required` returns with real server→client requests, so these
 * handlers serve both eras unchanged.
 */
import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  inputResponse,
  type McpServer,
  type RequestStateCodec,
} from '@modelcontextprotocol/server';
import type { ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';

type Text = { content: Array<{ type: 'text'; text: string }> };
const text = (t: string): Text => ({ content: [{ type: 'text', text: t }] });

const NAME = z.object({ name: z.string() });
const askName = (message: string) =>
  inputRequired.elicit({ message, requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } });

/**
 * The client's capabilities as declared on this request (2026-07-28: the per-request envelope).
 * Read from the request, never from `server`: serveHttp answers each request with a fresh fork of
 * the server, and the template object itself is connected to no client.
 */
function clientCapabilities(ctx: ServerContext): Record<string, unknown> {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  return (envelope?.[CLIENT_CAPABILITIES_META_KEY] ?? {}) as Record<string, unknown>;
}

export function registerInputRequiredFixtures(server: McpServer, state: RequestStateCodec<{ step: string; name?: string }>): void {
  server.registerTool(
    'test_input_required_result_elicitation',
    { description: 'Asks the user their name (input_required), then greets them.' },
    async (ctx: ServerContext) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', NAME);
      if (!answer) return inputRequired({ inputRequests: { user_name: askName('What is your name?') } });
      return text(`Hello, ${answer.name}!`);
    },
  );

  server.registerTool(
    'test_input_required_result_sampling',
    { description: 'Asks the client for an LLM completion (input_required).' },
    async (ctx: ServerContext) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
      if (view.kind !== 'sampling') {
        return inputRequired({
          inputRequests: {
            capital_question: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
              maxTokens: 100,
            }),
          },
        });
      }
      const content = view.result.content;
      const answer = !Array.isArray(content) && content.type === 'text' ? content.text : JSON.stringify(content);
      return text(`The model answered: ${answer}`);
    },
  );

  server.registerTool(
    'test_input_required_result_list_roots',
    { description: "Asks for the client's roots (input_required)." },
    async (ctx: ServerContext) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
      if (view.kind !== 'roots') return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
      return text(`Roots: ${view.roots.map((r) => r.uri).join(', ') || 'none'}`);
    },
  );

  server.registerTool(
    'test_input_required_result_request_state',
    { description: 'Round-trips a sealed requestState.' },
    async (ctx: ServerContext) => {
      const sealed = ctx.mcpReq.requestState<{ step: string }>();
      const confirmed = acceptedContent(ctx.mcpReq.inputResponses, 'confirm', z.object({ ok: z.boolean() }));
      if (sealed?.step !== 'confirm' || !confirmed) {
        return inputRequired({
          inputRequests: {
            confirm: inputRequired.elicit({
              message: 'Please confirm',
              requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
            }),
          },
          requestState: await state.mint({ step: 'confirm' }),
        });
      }
      return text(`state-ok: confirmed=${String(confirmed.ok)}`);
    },
  );

  server.registerTool(
    'test_input_required_result_multiple_inputs',
    { description: 'Asks for an elicitation, a sampling and the roots at once.' },
    async (ctx: ServerContext) => {
      const name = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', NAME);
      const greeting = inputResponse(ctx.mcpReq.inputResponses, 'greeting');
      const roots = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
      if (!name || greeting.kind !== 'sampling' || roots.kind !== 'roots') {
        return inputRequired({
          inputRequests: {
            user_name: askName('What is your name?'),
            greeting: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
              maxTokens: 50,
            }),
            client_roots: inputRequired.listRoots(),
          },
          requestState: await state.mint({ step: 'multiple' }),
        });
      }
      return text(`Hello, ${name.name}! ${roots.roots.length} root(s).`);
    },
  );

  server.registerTool(
    'test_input_required_result_multi_round',
    { description: 'Two rounds of input: a name, then a colour.' },
    async (ctx: ServerContext) => {
      const sealed = ctx.mcpReq.requestState<{ step: string; name?: string }>();
      if (sealed?.step === 'step2') {
        const color = acceptedContent(ctx.mcpReq.inputResponses, 'step2', z.object({ color: z.string() }));
        if (color) return text(`${sealed.name ?? 'You'} likes ${color.color}.`);
      }
      const name = acceptedContent(ctx.mcpReq.inputResponses, 'step1', NAME);
      if (sealed?.step === 'step1' && name) {
        return inputRequired({
          inputRequests: {
            step2: inputRequired.elicit({
              message: 'Step 2: What is your favorite color?',
              requestedSchema: { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] },
            }),
          },
          requestState: await state.mint({ step: 'step2', name: name.name }),
        });
      }
      return inputRequired({
        inputRequests: { step1: askName('Step 1: What is your name?') },
        requestState: await state.mint({ step: 'step1' }),
      });
    },
  );

  server.registerTool(
    'test_input_required_result_tampered_state',
    { description: 'Issues a sealed requestState; a tampered one is refused (-32602).' },
    async (ctx: ServerContext) => {
      const sealed = ctx.mcpReq.requestState<{ step: string }>();
      if (sealed?.step !== 'tamper-check') {
        return inputRequired({
          inputRequests: { user_name: askName('What is your name?') },
          requestState: await state.mint({ step: 'tamper-check' }),
        });
      }
      return text('requestState verified');
    },
  );

  server.registerTool(
    'test_input_required_result_capabilities',
    { description: 'Asks only for what the client declared it supports.' },
    async (ctx: ServerContext) => {
      if (ctx.mcpReq.inputResponses && Object.keys(ctx.mcpReq.inputResponses).length > 0) return text('Thanks for the input.');
      const caps = clientCapabilities(ctx);
      const requests: Record<string, ReturnType<typeof askName>> = {};
      if (caps.elicitation) requests.user_name = askName('What is your name?');
      if (caps.sampling)
        requests.greeting = inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
          maxTokens: 50,
        });
      if (caps.roots) requests.client_roots = inputRequired.listRoots();
      if (Object.keys(requests).length === 0) return text('The client declared no capability this tool could ask through.');
      return inputRequired({ inputRequests: requests });
    },
  );

  // Needs an LLM completion from the client. Asking through input_required lets the SDK check the
  // request's declared capabilities: without `sampling` the call is refused with -32021 (HTTP 400).
  server.registerTool(
    'test_missing_capability',
    { description: 'Needs sampling; a client that did not declare it gets -32021.' },
    async (ctx: ServerContext) => {
      const view = inputResponse(ctx.mcpReq.inputResponses, 'completion');
      if (view.kind !== 'sampling') {
        return inputRequired({
          inputRequests: {
            completion: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }],
              maxTokens: 20,
            }),
          },
        });
      }
      return text('The client answered the sampling request.');
    },
  );

  // On 2026-07-28 a request's response stream carries only its own notifications and its result —
  // never a server→client request: the elicitation travels inside the input_required result.
  server.registerTool(
    'test_streaming_elicitation',
    { description: 'Reports progress, then asks for input through input_required.' },
    async (ctx: ServerContext) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', NAME);
      if (answer) return text(`Hello, ${answer.name}!`);
      const progressToken = ctx.mcpReq._meta?.progressToken;
      if (progressToken !== undefined)
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: 1, total: 2 } });
      return inputRequired({ inputRequests: { user_name: askName('What is your name?') } });
    },
  );

  server.registerPrompt(
    'test_input_required_result_prompt',
    { description: 'A prompt that asks the user for context first (input_required).' },
    async (ctx: ServerContext) => {
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_context', z.object({ context: z.string() }));
      if (!answer) {
        return inputRequired({
          inputRequests: {
            user_context: inputRequired.elicit({
              message: 'What context should the prompt use?',
              requestedSchema: { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] },
            }),
          },
        });
      }
      return { messages: [{ role: 'user', content: { type: 'text', text: `Use this context: ${answer.context}` } }] };
    },
  );
}

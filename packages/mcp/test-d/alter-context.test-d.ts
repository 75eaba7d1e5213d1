/**
 * Type-level tests for call identity (Trust I, finding 3): nothing on `AlterContext` — nor on
 * the class that implements it — lets tool code read or replace the call state. Checked by
 * `npx tsc -p tsconfig.test-d.json` (root, part of `pnpm typecheck`), never executed: every
 * `@ts-expect-error` below must fire, or tsc reports it as unused. The runtime counterpart is
 * packages/mcp/test/e2e/call-identity.test.ts.
 */
import type { AlterContext } from '@alter/mcp';
import type { AlterVault, Logger } from '@alter/vault';
import type { CallState } from '../src/internal/call-state.js';
import { ToolCallContext } from '../src/internal/tool-call-context.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

/** The whole public surface of a context: identity getters, the signal, and actions. No state, no token. */
export type ContextMembers = Expect<
  Equal<
    keyof AlterContext,
    | 'user'
    | 'toolName'
    | 'provider'
    | 'callId'
    | 'signal'
    | 'request'
    | 'progress'
    | 'log'
    | 'createMessage'
    | 'elicitInput'
    | 'closeSseStream'
  >
>;
/** The implementation adds only serialization hooks: no `state` getter (the reported exploit). */
export type NoStateOnTheClass = Expect<Equal<'state' extends keyof ToolCallContext ? true : false, false>>;
export type ClassAddsOnlySerialization = Expect<Equal<Exclude<keyof ToolCallContext, keyof AlterContext>, 'toJSON'>>;

export function identityIsReadOnly(ctx: AlterContext, impl: ToolCallContext): void {
  // @ts-expect-error -- the user is fixed for the call.
  ctx.user = 'bob';
  // @ts-expect-error -- so is the provider.
  ctx.provider = 'github';
  // @ts-expect-error -- and the call id.
  ctx.callId = 'forged';
  // @ts-expect-error -- and the tool name.
  ctx.toolName = 'other_tool';
  // @ts-expect-error -- and the log object.
  ctx.log = impl.log;
  // @ts-expect-error -- there is no call state to reach.
  ctx.state.user = 'bob';
  // @ts-expect-error -- not on the implementation either.
  impl.state.user = 'bob';
  // @ts-expect-error -- the implementation's identity is read-only too.
  impl.user = 'bob';
}

export function cannotConstruct(vault: AlterVault, state: CallState, logger: Logger): void {
  // @ts-expect-error -- only the framework can create a context (a module-private key comes first).
  new ToolCallContext(vault, state, { name: 'read_mailbox', provider: 'google', scopes: [] }, logger);
}

/**
 * The one AsyncLocalStorage of @alter/vault: what a tool call carries through its async code —
 * the call's secret tracker (call-secrets.ts) and the audit contexts it runs in (audit-context.ts)
 * — in one frame.
 *
 * Why one storage and not one per concern (and one per vault, as before): on Node 20 every
 * enabled AsyncLocalStorage runs a propagation (an async_hooks init hook) on EVERY promise the
 * process creates, whoever creates it: ≈ 400 instructions per promise and storage under
 * callgrind, and a tool call doing one provider request makes about 45 promises (the SDK's, axios',
 * ours). Two storages doubled that for the whole process, including code that never calls a tool.
 * Node versions that carry async context without hooks pay nothing either way.
 *
 * The storage is disabled again when its last user ends ({@link openCallScopeUser}: a vault from
 * its first audit context until its close()), so a process that closed its vaults pays nothing
 * more; any later run enables it again.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditContext } from '../audit-context.js';
import type { CallSecrets } from '../call-secrets.js';

/** One audit context, tied to the store (vault) that entered it, inside any outer ones. */
export interface AuditFrame {
  /** The AuditContextStore (one per vault) whose `run` entered this context. */
  readonly owner: object;
  readonly context: AuditContext;
  readonly outer: AuditFrame | undefined;
}

/** What the current async context carries. Frames are immutable: entering one makes a new frame. */
interface CallFrame {
  readonly secrets: CallSecrets | undefined;
  readonly audit: AuditFrame | undefined;
}

const storage = new AsyncLocalStorage<CallFrame>();
let users = 0;

/** The current call's secret tracker, or undefined outside any. */
export function currentSecrets(): CallSecrets | undefined {
  return storage.getStore()?.secrets;
}

/** The innermost audit frame, or undefined outside any. */
export function currentAuditFrame(): AuditFrame | undefined {
  return storage.getStore()?.audit;
}

/** Runs `fn` with `secrets` as the current tracker (the audit contexts stay as they are). */
export function runWithSecrets<T>(secrets: CallSecrets, fn: () => T): T {
  const frame = storage.getStore();
  if (frame?.secrets === secrets) return fn();
  return storage.run({ secrets, audit: frame?.audit }, fn);
}

/** Runs `fn` inside the audit frame `make(outer)` builds from the current one (the tracker stays). */
export function runWithAudit<T>(make: (outer: AuditFrame | undefined) => AuditFrame, fn: () => T): T {
  const frame = storage.getStore();
  return storage.run({ secrets: frame?.secrets, audit: make(frame?.audit) }, fn);
}

/**
 * Runs `fn` with `secrets` as the current tracker AND inside the audit frame `make(outer)`: one
 * storage entry where {@link runWithSecrets} around {@link runWithAudit} makes two (a tool call's
 * way in: one frame and one storage run per call, not two).
 */
export function runWithSecretsAndAudit<T>(secrets: CallSecrets, make: (outer: AuditFrame | undefined) => AuditFrame, fn: () => T): T {
  return storage.run({ secrets, audit: make(storage.getStore()?.audit) }, fn);
}

/**
 * Registers one user of the storage (a vault that entered an audit context); the returned
 * function, called once, ends it. When the last user ends, the storage is disabled (see the file
 * header).
 */
export function openCallScopeUser(): () => void {
  users += 1;
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    users -= 1;
    if (users === 0) storage.disable();
  };
}

/**
 * The secrets of a provider step in progress — its PKCE verifier and OpenID nonce — each flow's in
 * its own kv entry (namespace `connect-flow-secrets`, key = the flow's state), whose value is ONE
 * whole sealed value. Not inside the session record's JSON: the store's `resealAll` re-seals kv
 * values that are sealed values (`v1.…`), never one embedded in JSON, so `rotateKey` left embedded
 * secrets sealed with the old key and the user's callback failed once the old key was dropped.
 * Stored whole, every store — built-in or custom — re-seals them under the contract it already
 * keeps, and nothing Connect adds to a record later can hide a secret from a rotation.
 *
 * An entry expires with its session record (same kv expiry), is written before its flow joins the
 * record (a flow in a record always has its secrets stored), and is deleted when its flow leaves
 * the record (connect-session-store.ts): claimed by a callback, pushed out by newer flows, or the
 * session finished. The flow's state is sealed with its secrets and checked on reading, so an entry
 * copied under another flow's key (by someone who can write the database) is refused.
 *
 * Records written before this file existed carry their sealed secrets in `flows[].secrets`; their
 * callbacks still read them there (they are not re-sealed by a rotation: such a flow whose key was
 * dropped ends like an expired one).
 */
import type { SealedSecret } from '../grant-store.js';
import type { ConnectDeps } from './connect-deps.js';
import { type ConnectFlow, type ConnectSessionRecord, kvExpiry } from './connect-session-record.js';

export const CONNECT_FLOW_SECRETS_KV_NAMESPACE = 'connect-flow-secrets';

/** What the code exchange of one flow needs back. */
export interface FlowSecrets {
  readonly codeVerifier: string;
  readonly nonce?: string;
}

/** Why a flow's secrets cannot be used: gone from the store, or sealed/edited so they do not open as this flow's. */
export type FlowSecretsProblem = 'missing' | 'unreadable';

export type FlowSecretsResult =
  | { readonly ok: true; readonly secrets: FlowSecrets }
  | { readonly ok: false; readonly problem: FlowSecretsProblem; readonly error?: unknown };

/** The sealed plaintext: the secrets and the state of the flow they belong to. */
interface SealedFlowSecrets extends FlowSecrets {
  readonly state: string;
}

export class ConnectFlowSecrets {
  readonly #deps: Pick<ConnectDeps, 'store' | 'seal' | 'open'>;

  constructor(deps: Pick<ConnectDeps, 'store' | 'seal' | 'open'>) {
    this.#deps = deps;
  }

  /** Seals and stores the secrets of `record`'s new flow `state`, before the flow is added to the record. */
  async put(record: ConnectSessionRecord, state: string, secrets: FlowSecrets): Promise<void> {
    const plain: SealedFlowSecrets = { state, codeVerifier: secrets.codeVerifier, ...(secrets.nonce ? { nonce: secrets.nonce } : {}) };
    await this.#deps.store.kvPut(CONNECT_FLOW_SECRETS_KV_NAMESPACE, state, this.#deps.seal(JSON.stringify(plain)), kvExpiry(record));
  }

  /**
   * The sealed secrets of `flow`, read without consuming them (the claim of the step deletes
   * them): its own entry, or `flow.secrets` for a flow started before they moved out of the
   * record. Undefined when the entry is gone.
   */
  async sealedOf(flow: ConnectFlow): Promise<SealedSecret | undefined> {
    if (flow.secrets !== undefined) return flow.secrets;
    return (await this.#deps.store.kvGet(CONNECT_FLOW_SECRETS_KV_NAMESPACE, flow.state))?.value;
  }

  /** Opens what {@link sealedOf} returned for `flow`; never throws. */
  open(flow: ConnectFlow, sealed: SealedSecret | undefined): FlowSecretsResult {
    if (sealed === undefined) return { ok: false, problem: 'missing' };
    let parsed: Partial<SealedFlowSecrets>;
    try {
      parsed = JSON.parse(this.#deps.open(sealed)) as Partial<SealedFlowSecrets>;
    } catch (error) {
      // EncryptionKeyError: sealed with a key this vault does not have (dropped after a rotation
      // that did not re-seal it), or modified.
      return { ok: false, problem: 'unreadable', error };
    }
    // Records of earlier versions sealed no state (the record itself held the value).
    const ownState = flow.secrets !== undefined ? parsed.state === undefined : parsed.state === flow.state;
    if (!ownState || typeof parsed.codeVerifier !== 'string') return { ok: false, problem: 'unreadable' };
    return {
      ok: true,
      secrets: { codeVerifier: parsed.codeVerifier, ...(typeof parsed.nonce === 'string' ? { nonce: parsed.nonce } : {}) },
    };
  }

  /** Deletes the entries of `flows` (those that have one; a flow of an earlier version has none). */
  async discard(flows: readonly ConnectFlow[]): Promise<void> {
    for (const flow of flows) {
      if (flow.secrets === undefined) await this.#deps.store.kvDelete(CONNECT_FLOW_SECRETS_KV_NAMESPACE, flow.state);
    }
  }
}

import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms after which the entry is gone; Infinity when the model gave no lifetime. */
  expiresAt: number;
}

/** Models whose entries belong to a grant (revoked together by `revokeByGrantId`). */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/**
 * The sandbox's oidc-provider storage: one unbounded in-memory store per sandbox (oidc-provider's
 * bundled adapter is an LRU capped at 1000 entries, which a 800-request test would evict from),
 * with the extra reads the fault switches need (every access token, every grant of an account).
 * Clients are not stored here: `Client` lookups go to `clientSource` so redirect URIs registered
 * later are seen at once while oidc-provider still validates the metadata.
 */
export class MemoryStore {
  readonly #models = new Map<string, Map<string, Entry>>();
  readonly #byGrant = new Map<string, Set<string>>();
  readonly #byUid = new Map<string, string>();
  readonly #byUserCode = new Map<string, string>();
  readonly #clientSource: (id: string) => AdapterPayload | undefined;

  constructor(clientSource: (id: string) => AdapterPayload | undefined) {
    this.#clientSource = clientSource;
  }

  /** The `adapter` factory for oidc-provider's configuration. */
  readonly adapterFactory = (model: string): Adapter => this.#adapterFor(model);

  /** Live payloads of one model (expired storage entries are skipped and dropped). */
  *entries(model: string): Iterable<[string, AdapterPayload]> {
    const map = this.#models.get(model);
    if (!map) return;
    const now = Date.now();
    for (const [id, entry] of map) {
      if (entry.expiresAt <= now) continue;
      yield [id, entry.payload];
    }
  }

  /** Removes one entry and its indexes. */
  destroy(model: string, id: string): void {
    const map = this.#models.get(model);
    const entry = map?.get(id);
    if (!map || !entry) return;
    map.delete(id);
    const grantId = entry.payload.grantId;
    if (typeof grantId === 'string') this.#byGrant.get(grantId)?.delete(`${model}\u0000${id}`);
    if (typeof entry.payload.uid === 'string' && this.#byUid.get(entry.payload.uid) === id) this.#byUid.delete(entry.payload.uid);
    if (typeof entry.payload.userCode === 'string') this.#byUserCode.delete(entry.payload.userCode);
  }

  /** Removes every token issued under `grantId` (not the Grant itself). */
  revokeByGrantId(grantId: string): void {
    const members = this.#byGrant.get(grantId);
    if (!members) return;
    this.#byGrant.delete(grantId);
    for (const key of members) {
      const [model, id] = key.split('\u0000') as [string, string];
      this.destroy(model, id);
    }
  }

  find(model: string, id: string): AdapterPayload | undefined {
    const map = this.#models.get(model);
    const entry = map?.get(id);
    if (!map || !entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.destroy(model, id);
      return undefined;
    }
    return entry.payload;
  }

  upsert(model: string, id: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    let map = this.#models.get(model);
    if (!map) {
      map = new Map();
      this.#models.set(model, map);
    }
    if (map.has(id)) this.destroy(model, id);
    map.set(id, { payload, expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
    if (GRANTABLE.has(model) && typeof payload.grantId === 'string') {
      let members = this.#byGrant.get(payload.grantId);
      if (!members) {
        members = new Set();
        this.#byGrant.set(payload.grantId, members);
      }
      members.add(`${model}\u0000${id}`);
    }
    if (model === 'Session' && typeof payload.uid === 'string') this.#byUid.set(payload.uid, id);
    if (typeof payload.userCode === 'string') this.#byUserCode.set(payload.userCode, id);
  }

  #adapterFor(model: string): Adapter {
    if (model === 'Client') {
      const source = this.#clientSource;
      return {
        find: async (id) => source(id),
        upsert: async () => {},
        findByUid: async () => undefined,
        findByUserCode: async () => undefined,
        consume: async () => {},
        destroy: async () => {},
        revokeByGrantId: async () => {},
      };
    }
    return {
      upsert: async (id, payload, expiresIn) => this.upsert(model, id, payload, expiresIn),
      find: async (id) => this.find(model, id),
      findByUid: async (uid) => {
        const id = this.#byUid.get(uid);
        return id === undefined ? undefined : this.find(model, id);
      },
      findByUserCode: async (userCode) => {
        const id = this.#byUserCode.get(userCode);
        return id === undefined ? undefined : this.find(model, id);
      },
      consume: async (id) => {
        const payload = this.find(model, id);
        // oidc-provider reads `consumed` to detect reuse of a code or a rotated refresh token.
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => this.destroy(model, id),
      revokeByGrantId: async (grantId) => this.revokeByGrantId(grantId),
    };
  }
}

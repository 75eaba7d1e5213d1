/**
 * Every OAuth client the sandbox registers, by provider id: the built-in emulated providers and
 * the custom services passed to `startSandbox({ services })`. The one place that answers "which
 * client is provider X" — the client registry, the fake APIs' token check, `sandbox.client()`,
 * `sandbox.provider()` and `faults.revokeGrant()` all ask here.
 */
import { EMULATED_PROVIDERS } from '../emulated-providers.js';
import { invalidArgument, type SandboxError } from '../errors.js';
import type { ResolvedSandboxService } from '../sandbox-service.js';

/** What the sandbox knows of one client. `EmulatedProvider` and `ResolvedSandboxService` both are one. */
export interface SandboxClientFacts {
  readonly id: string;
  readonly displayName: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly apiHosts: readonly string[];
  readonly defaultScopes: readonly string[];
  readonly identity: 'id_token' | 'userinfo';
}

export class SandboxClients {
  readonly #byId: ReadonlyMap<string, SandboxClientFacts>;
  readonly #services: ReadonlyMap<string, ResolvedSandboxService>;

  constructor(services: readonly ResolvedSandboxService[]) {
    const all: SandboxClientFacts[] = [...Object.values(EMULATED_PROVIDERS), ...services];
    this.#byId = new Map(all.map((c) => [c.id, c]));
    this.#services = new Map(services.map((s) => [s.id, s]));
  }

  /** The client of provider `id`, or undefined. */
  get(id: string): SandboxClientFacts | undefined {
    return typeof id === 'string' ? this.#byId.get(id) : undefined;
  }

  /** The custom service `id`, or undefined for a built-in provider or an unknown id. */
  service(id: string): ResolvedSandboxService | undefined {
    return this.#services.get(id);
  }

  /** The client with this OAuth client id, or undefined. */
  byClientId(clientId: string): SandboxClientFacts | undefined {
    for (const c of this.#byId.values()) if (c.clientId === clientId) return c;
    return undefined;
  }

  /**
   * The client of provider `id`.
   * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` naming `argument` and listing the known ids.
   */
  require(id: unknown, argument: string): SandboxClientFacts {
    const found = typeof id === 'string' ? this.#byId.get(id) : undefined;
    if (!found) throw this.unknown(id, argument);
    return found;
  }

  /** The error for an id no client has. */
  unknown(id: unknown, argument: string): SandboxError {
    return invalidArgument(
      argument,
      `"${String(id)}" is not one of ${[...this.#byId.keys()].join(', ')}. A new service goes in startSandbox({ services }).`,
    );
  }
}

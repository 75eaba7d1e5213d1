/**
 * Leak check for tests: register every secret a test uses, feed it everything the outside world
 * could see (log lines, console output, thrown errors, audit rows, responses, tool results), then
 * `assertClean()` fails naming WHERE a secret appeared — never printing the secret itself.
 */
import { inspect as utilInspect } from 'node:util';

/** Same shape as @alter/vault's `Logger` (structural, so this file needs no build of the vault). */
export interface LeakCheckLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** One place a secret was found. `secret` is redacted (a short prefix and the length). */
export interface LeakFinding {
  readonly where: string;
  readonly secret: string;
  readonly label: string | undefined;
  /** How it appeared: `raw`, `url-encoded`, `base64`, `base64url`. */
  readonly form: string;
}

export interface LeakCheck {
  /** Registers a secret (≥ 8 characters) and returns it unchanged, for inline use. */
  secret<T extends string>(value: T, label?: string): T;
  /** Records what `value` shows to the world (JSON, util.inspect, message, stack, cause chain). */
  inspect(value: unknown, where?: string): void;
  /** Runs `fn`; if it throws, the error is inspected and rethrown. */
  catching<T>(fn: () => Promise<T>, where?: string): Promise<T>;
  /** A logger that records every line and its fields (pass it as `logger` to AlterVault). */
  readonly logger: LeakCheckLogger;
  /**
   * Records console.log/info/warn/error/debug output until the returned function is called.
   * Output still reaches the terminal unless `{ passthrough: false }`.
   */
  captureConsole(options?: { passthrough?: boolean }): () => void;
  /** Every finding so far (checks everything recorded against every secret registered). */
  findings(): LeakFinding[];
  /** @throws Error listing each place a secret appeared (secrets redacted). */
  assertClean(): void;
}

interface Snapshot {
  readonly where: string;
  readonly text: string;
}

/** Redacts a secret for messages: its first 4 characters, an ellipsis and its length. */
export function redactSecret(value: string): string {
  return `${value.slice(0, 4)}…(${value.length} chars)`;
}

function forms(secret: string): Array<[string, string]> {
  const out: Array<[string, string]> = [['raw', secret]];
  const enc = encodeURIComponent(secret);
  if (enc !== secret) out.push(['url-encoded', enc]);
  out.push(['base64', Buffer.from(secret).toString('base64').replace(/=+$/, '')]);
  out.push(['base64url', Buffer.from(secret).toString('base64url')]);
  return out;
}

function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, (_k, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (v && typeof v === 'object') {
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
        }
        return v;
      }) ?? ''
    );
  } catch (err) {
    return `[JSON.stringify threw: ${err instanceof Error ? err.message : String(err)}]`;
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  const parts: string[] = [];
  parts.push(
    utilInspect(value, {
      depth: 8,
      maxArrayLength: 50_000,
      maxStringLength: Number.POSITIVE_INFINITY,
      breakLength: Number.POSITIVE_INFINITY,
    }),
  );
  parts.push(safeStringify(value));
  // Errors: message, stack and the cause chain (util.inspect shows most, but be explicit).
  let e: unknown = value;
  for (let i = 0; i < 8 && e instanceof Error; i++) {
    parts.push(e.message, e.stack ?? '', String(e));
    e = (e as { cause?: unknown }).cause;
  }
  if (value && typeof value === 'object' && typeof (value as { toString?: unknown }).toString === 'function') {
    try {
      parts.push(String(value));
    } catch {
      // a throwing toString shows nothing
    }
  }
  return parts.join('\n');
}

/**
 * Creates a leak check for one test.
 *
 * @example
 * const leak = createLeakCheck();
 * const token = leak.secret('at-1234567890', 'access token');
 * const vault = new AlterVault({ caller: 't', providers, logger: leak.logger });
 * const res = await vault.request('sandbox', 'GET', url, { user: 'u' });
 * leak.inspect(res, 'response');
 * leak.inspect(vault, 'vault');
 * leak.assertClean();
 */
export function createLeakCheck(): LeakCheck {
  const secrets = new Map<string, string | undefined>();
  const snapshots: Snapshot[] = [];
  let counter = 0;

  const record = (where: string, value: unknown): void => {
    snapshots.push({ where, text: describeValue(value) });
  };

  const logAt =
    (level: string) =>
    (message: string, fields?: Readonly<Record<string, unknown>>): void => {
      record(`logger.${level}`, message);
      if (fields !== undefined) record(`logger.${level} fields`, fields);
    };

  const findings = (): LeakFinding[] => {
    const out: LeakFinding[] = [];
    for (const [secret, label] of secrets) {
      const fs = forms(secret);
      for (const snap of snapshots) {
        for (const [form, needle] of fs) {
          if (snap.text.includes(needle)) {
            out.push({ where: snap.where, secret: redactSecret(secret), label, form });
            break;
          }
        }
      }
    }
    return out;
  };

  return {
    secret(value, label) {
      if (typeof value !== 'string' || value.length < 8) {
        throw new Error('leak.secret(value): value must be a string of at least 8 characters (shorter ones cannot be detected reliably)');
      }
      secrets.set(value, label);
      return value;
    },
    inspect(value, where) {
      counter += 1;
      record(where ?? `inspected value #${counter}`, value);
    },
    async catching(fn, where) {
      try {
        return await fn();
      } catch (err) {
        counter += 1;
        record(where ?? `thrown error #${counter}`, err);
        throw err;
      }
    },
    logger: { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    captureConsole(options) {
      const passthrough = options?.passthrough ?? true;
      const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
      const originals = methods.map((m) => console[m]);
      for (const m of methods) {
        const original = console[m];
        console[m] = (...args: unknown[]) => {
          record(`console.${m}`, args.map((a) => (typeof a === 'string' ? a : describeValue(a))).join(' '));
          if (passthrough) original.apply(console, args);
        };
      }
      return () => {
        methods.forEach((m, i) => {
          console[m] = originals[i]!;
        });
      };
    },
    findings,
    assertClean() {
      const found = findings();
      if (found.length === 0) return;
      const lines = found.map((f) => `  - secret ${f.label ? `"${f.label}" ` : ''}${f.secret} appeared (${f.form}) in ${f.where}`);
      throw new Error(`Leak check failed: ${found.length} secret occurrence(s):\n${lines.join('\n')}`);
    },
  };
}

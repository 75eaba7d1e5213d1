import type Provider from 'oidc-provider';

const UNSUPPORTED_RUNTIME = 'oidc-provider WARNING: Unsupported runtime';
let loading: Promise<typeof Provider> | undefined;

/**
 * Loads oidc-provider once, on first use rather than when @alter/testing is imported.
 *
 * oidc-provider 9 prints "Unsupported runtime" when imported on Node 20 (it is tested on 22+).
 * Everything the sandbox uses works on Node 20 — this whole project's suite runs there — and the
 * line would otherwise open every demo and every user's test run, so exactly that one known line
 * is dropped while the import runs. Any other warning still prints.
 */
export function loadOidcProvider(): Promise<typeof Provider> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].startsWith(UNSUPPORTED_RUNTIME)) return;
      warn.apply(console, args);
    };
    try {
      return (await import('oidc-provider')).default;
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}

/** The gate in front of document fetches: failures remembered (bounded), one fetch per concurrent burst, limits per id/host/all. */
import { describe, expect, it } from '@jest/globals';
import { ClientDocumentFetchLimitError, ClientDocumentLoader } from '../../src/auth/client-document-loader.js';

class BadDocument extends Error {}
const isBad = (err: unknown): err is Error => err instanceof BadDocument;
const wide = { max: 1000, windowSec: 3600 };

function loader(overrides: Partial<ConstructorParameters<typeof ClientDocumentLoader>[0]> = {}) {
  const fetched: string[] = [];
  const gate = new ClientDocumentLoader(
    { perClient: wide, perHost: wide, global: wide, failureCacheSec: 3600, maxCachedFailures: 1000, ...overrides },
    async (clientId: string) => {
      fetched.push(clientId);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (clientId.includes('bad')) throw new BadDocument(`bad ${clientId}`);
      return { clientId };
    },
    isBad,
  );
  return { gate, fetched };
}

describe('ClientDocumentLoader', () => {
  it('shares one fetch among concurrent lookups and remembers a failure', async () => {
    const { gate, fetched } = loader();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => gate.load('https://a.example/bad.json')));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof BadDocument)).toBe(true);
    await expect(gate.load('https://a.example/bad.json')).rejects.toBeInstanceOf(BadDocument);
    expect(fetched).toHaveLength(1);
  });

  it('keeps at most maxCachedFailures failures, forgetting the oldest', async () => {
    const { gate, fetched } = loader({ maxCachedFailures: 2 });
    for (const id of ['bad-1', 'bad-2', 'bad-3']) await gate.load(`https://a.example/${id}`).catch(() => {});
    await gate.load('https://a.example/bad-3').catch(() => {});
    await gate.load('https://a.example/bad-2').catch(() => {});
    expect(fetched).toHaveLength(3);
    await gate.load('https://a.example/bad-1').catch(() => {});
    expect(fetched).toHaveLength(4);
  });

  it('refuses fetches over the per-host limit without fetching, and never remembers that as a failure', async () => {
    const { gate, fetched } = loader({ perHost: { max: 2, windowSec: 3600 } });
    await gate.load('https://a.example/1');
    await gate.load('https://a.example/2');
    await expect(gate.load('https://a.example/3')).rejects.toBeInstanceOf(ClientDocumentFetchLimitError);
    expect(fetched).toHaveLength(2);
    await gate.load('https://b.example/1');
    expect(fetched).toHaveLength(3);
  });

  it('applies the per-client and global limits', async () => {
    const { gate } = loader({ perClient: { max: 1, windowSec: 3600 }, global: { max: 2, windowSec: 3600 } });
    await gate.load('https://a.example/good');
    const err = await gate.load('https://a.example/good').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientDocumentFetchLimitError);
    expect((err as ClientDocumentFetchLimitError).retryAfterSec).toBeGreaterThan(0);
    await gate.load('https://b.example/good');
    await expect(gate.load('https://c.example/good')).rejects.toBeInstanceOf(ClientDocumentFetchLimitError);
  });
});

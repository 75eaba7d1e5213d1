/**
 * A grants link: the end user's way to the page that lists their grants and disconnects them
 * (grants-page.ts). Stored in the store's kv (namespace `connect-grants`), bound to one browser the
 * same way a `bind: 'confirm'` Connect link is (browser-binding.ts): the first browser that
 * confirms the interstitial owns it until it expires; only the secret's hash is stored.
 */
export const GRANTS_LINK_KV_NAMESPACE = 'connect-grants';

export interface GrantsLinkRecord {
  readonly v: 1;
  readonly id: string;
  /** Whose grants the page shows and disconnects. */
  readonly user: string;
  /** SHA-256 of the confirming browser's secret; absent until the interstitial is confirmed. */
  readonly binding?: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** The base URL the link was issued for (its cookie path and form actions live there). */
  readonly baseUrl: string;
}

export function parseGrantsLink(value: string): GrantsLinkRecord | undefined {
  try {
    const r = JSON.parse(value) as Partial<GrantsLinkRecord>;
    if (
      r.v !== 1 ||
      typeof r.id !== 'string' ||
      typeof r.user !== 'string' ||
      typeof r.expiresAt !== 'string' ||
      typeof r.baseUrl !== 'string'
    )
      return undefined;
    if (r.binding !== undefined && typeof r.binding !== 'string') return undefined;
    return r as GrantsLinkRecord;
  } catch {
    return undefined;
  }
}

/** Kept a while past expiry, so an old link says "expired" rather than "unknown". */
const RETENTION_MS = 60 * 60 * 1000;

/** When the kv entry itself may be dropped. */
export function grantsLinkKvExpiry(record: GrantsLinkRecord): Date {
  return new Date(Date.parse(record.expiresAt) + RETENTION_MS);
}

export function isGrantsLinkExpired(record: GrantsLinkRecord, now = Date.now()): boolean {
  return Date.parse(record.expiresAt) <= now;
}

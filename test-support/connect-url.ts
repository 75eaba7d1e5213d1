/** A Connect URL as it appears in a tool's "connect first" answer (our packs' tests look for it). */
export const CONNECT_URL = /https?:\/\/[^\s"')]+\/connect\/[A-Za-z0-9_-]{20,64}/;

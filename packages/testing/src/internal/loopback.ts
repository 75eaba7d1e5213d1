/** True for http(s) URLs on 127.0.0.0/8, ::1 or localhost — the only places the sandbox talks to. */
export function isLoopbackUrl(url: URL): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.toLowerCase();
  // Subdomains of localhost are not accepted: Node resolves them through DNS, which could answer anything.
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

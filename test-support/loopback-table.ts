/**
 * One table of URLs and whether their host is loopback, shared by the tests of every package that
 * makes a loopback decision (@alter/vault's `isLoopbackHost`, @alter/mcp's redirect-URI and
 * client-id checks, @alter/testing's `approve()`), so they cannot drift apart again.
 */

/** [URL, loopback?] — hosts as `new URL(url).hostname` gives them (the form callers pass). */
export const LOOPBACK_TABLE: ReadonlyArray<readonly [string, boolean]> = [
  ['http://localhost:8080/cb', true],
  ['http://LOCALHOST/cb', true],
  ['http://127.0.0.1/cb', true],
  ['http://127.255.255.254:1/cb', true],
  ['http://127.1/cb', true], // URL canonicalizes it to 127.0.0.1
  ['http://0x7f.0.0.1/cb', true], // and this one too
  ['http://[::1]:3000/cb', true],
  ['http://[0:0:0:0:0:0:0:1]/cb', true],
  ['http://[::ffff:127.0.0.1]/cb', true], // IPv4-mapped: reaches 127.0.0.1
  ['http://[::ffff:127.8.9.10]/cb', true],
  ['http://evil.localhost/cb', false], // resolved by DNS, which may answer anything
  ['http://app.localhost:3000/cb', false],
  ['http://localhost./cb', false],
  ['http://localhost.evil.example/cb', false],
  ['http://127.0.0.1.nip.io/cb', false],
  ['http://0.0.0.0/cb', false],
  ['http://10.0.0.1/cb', false],
  ['http://128.0.0.1/cb', false],
  ['http://126.255.255.255/cb', false],
  ['http://[::]/cb', false],
  ['http://[::2]/cb', false],
  ['http://[::ffff:10.0.0.1]/cb', false],
  ['http://[::ffff:128.0.0.1]/cb', false],
  ['http://[fe80::1]/cb', false],
  ['https://accounts.example.com/cb', false],
];

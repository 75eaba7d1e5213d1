/** Reads a response stream into memory up to a byte cap. Internal. */
import type { Readable } from 'node:stream';
import { isAborted, offAbort, onAbort } from './abort-signals.js';

/**
 * Collects `stream` (already decompressed) into one Buffer, or answers `undefined` as soon as the
 * total would pass `limit`: the stream is destroyed then (which closes the socket and stops the
 * decompressor), and the chunk that crossed the cap is dropped, so at most `limit` bytes are ever
 * held. Rejects with the stream's error, or when `signal` aborts (the stream is destroyed too).
 */
export function readCappedBody(stream: Readable, limit: number, signal: AbortSignal): Promise<Buffer | undefined> {
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      offAbort(signal, abortRead);
      fn();
    };
    const abortRead = () => {
      stream.destroy();
      settle(() => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')));
    };
    stream.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (total + chunk.length > limit) {
        chunks.length = 0;
        stream.destroy();
        settle(() => resolve(undefined));
        return;
      }
      total += chunk.length;
      chunks.push(chunk);
    });
    stream.once('end', () => settle(() => resolve(Buffer.concat(chunks, total))));
    // Stays attached after settling: a destroyed pipeline may still report an error.
    stream.on('error', (err: Error) => settle(() => reject(err)));
    stream.once('close', () => settle(() => reject(new Error('the response ended before its body was complete'))));
    if (isAborted(signal)) abortRead();
    else onAbort(signal, abortRead);
  });
}

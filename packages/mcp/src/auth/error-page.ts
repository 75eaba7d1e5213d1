/**
 * Our express error handler. Express's own final handler renders the error's stack — file paths
 * of the server included — whenever `NODE_ENV` is not `production` (and unset means
 * development). This one never does, whatever `NODE_ENV` says: the client gets a generic page
 * (or OAuth-style JSON) with an error id; the details go to the server logger under that id.
 * Nothing from the request is echoed: a body-parser error's message quotes the body, which may
 * hold a secret, so only its name, type and status are logged.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import type { Logger } from '@alter/vault';

/**
 * An express error handler (4 arguments) that answers without stack or path.
 * @example
 * app.use(errorPageHandler(logger)); // after every route
 */
export function errorPageHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req: Request, res: Response, next: NextFunction) => {
    // Headers already went out: only express can end the response (it closes the socket).
    if (res.headersSent) return next(err);
    const status = clientStatus(err) ?? 500;
    const errorId = randomUUID();
    const details = err instanceof Error ? err : undefined;
    const fields = {
      errorId,
      status,
      method: req.method,
      path: req.path,
      error: details?.name ?? typeof err,
      code: stringField(err, 'code'),
      type: stringField(err, 'type'),
    };
    // 4xx from body parsing carry the body in their message: never log it. 5xx are our bugs: log
    // the stack frames, without the message line (which may quote input too).
    if (status >= 500) logger.error('http: request failed', { ...fields, stack: details?.stack?.split('\n').slice(1).join('\n') ?? null });
    else logger.warn('http: request refused', fields);

    res.status(status);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const error = status >= 500 ? 'server_error' : 'invalid_request';
    const description = status >= 500 ? 'The server failed to handle this request.' : 'The request could not be read.';
    if (req.accepts(['json', 'html']) === 'html') {
      res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
      res
        .type('html')
        .send(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error ${status}</title></head><body><h1>Error ${status}</h1><p>${description}</p><p>Error id: <code>${errorId}</code></p></body></html>`,
        );
      return;
    }
    res.json({ error, error_description: `${description} (error id ${errorId})`, error_id: errorId });
  };
}

/** A 4xx status the error asks for (body-parser and http-errors set `status`), else undefined. */
function clientStatus(err: unknown): number | undefined {
  const status =
    typeof err === 'object' && err !== null
      ? ((err as { status?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode)
      : undefined;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 499 ? status : undefined;
}

function stringField(err: unknown, name: 'code' | 'type'): string | null {
  const value = typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/**
 * The `/register` body parser, ahead of the SDK's (which then finds the body parsed): JSON up to
 * `limits.registration.maxBodyBytes`. A larger body is answered 413 with an RFC 7591 error that
 * says the bound, before any of it is stored. When an app-wide parser already read the body
 * (`serveHttp`'s app parses JSON for every path, up to express's 100 KB), the bound is checked on
 * the declared length, or on the parsed body's JSON size for a chunked request.
 */
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** JSON body parser for `/register` with a size bound. */
export function registrationBodyParser(maxBytes: number): RequestHandler {
  const parse = express.json({ limit: maxBytes });
  const tooLarge = (res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    res.status(413).json({
      error: 'invalid_client_metadata',
      error_description: `The registration request body is larger than ${maxBytes} bytes (limits.registration.maxBodyBytes).`,
    });
  };
  return (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return tooLarge(res);
    // express 5 leaves req.body undefined until a parser sets it.
    if (req.body !== undefined) {
      if (Buffer.byteLength(JSON.stringify(req.body) ?? '') > maxBytes) return tooLarge(res);
      return next();
    }
    parse(req, res, (err?: unknown) => {
      if ((err as { type?: unknown } | undefined)?.type === 'entity.too.large') return tooLarge(res);
      next(err);
    });
  };
}

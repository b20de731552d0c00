import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { FgsRequest } from '../common/fgs-request';
import { sendFgsError } from './error-response';

export interface RawBodyOptions {
  maxBytes: number;
}

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;

/** Whether a body with this Content-Type is parsed as JSON (absent counts as JSON, as the SDK always sends JSON). */
export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType === undefined || contentType.trim() === '' || JSON_TYPE.test(contentType.trim());
}

/**
 * express.raw-like collector: keeps the exact bytes in `req.rawBody` (signature checks and invocation events need
 * them), parses JSON into `req.body`, and stops reading as soon as the limit is crossed.
 */
export function rawBodyMiddleware(options: RawBodyOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const r = req as FgsRequest;
    r.rawBody = Buffer.alloc(0);
    r.body = undefined;
    const declared = req.headers['content-length'];
    if (declared === undefined && req.headers['transfer-encoding'] === undefined) return next();
    if (declared !== undefined && Number(declared) > options.maxBytes)
      return tooLarge(req, res, options.maxBytes);
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity') {
      return sendFgsError(res, 415, 'FSS.0415', `Content-Encoding ${encoding.slice(0, 32)} is not supported`);
    }

    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onData = (chunk: Buffer): void => {
      if (settled) return;
      size += chunk.length;
      if (size > options.maxBytes) {
        settled = true;
        cleanup();
        tooLarge(req, res, options.maxBytes);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      finish(r, res, next, Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      next(err);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  };
}

function finish(req: FgsRequest, res: Response, next: NextFunction, body: Buffer): void {
  req.rawBody = body;
  if (body.length === 0) return next();
  const contentType = req.headers['content-type'];
  if (!isJsonContentType(contentType)) {
    if (req.path.startsWith('/v2/')) {
      return sendFgsError(
        res,
        415,
        'FSS.0415',
        `Content-Type ${String(contentType).slice(0, 64)} is not supported, send application/json`,
      );
    }
    return next();
  }
  try {
    req.body = JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return sendFgsError(res, 400, 'FSS.0400', 'The request body is not valid JSON');
  }
  next();
}

function tooLarge(req: Request, res: Response, maxBytes: number): void {
  // The rest of the body is never read: close the connection once the answer is out instead of draining it.
  res.setHeader('Connection', 'close');
  req.pause();
  sendFgsError(
    res,
    413,
    'FSS.0413',
    `Request body is larger than ${Math.floor(maxBytes / (1024 * 1024))} MB`,
  );
}

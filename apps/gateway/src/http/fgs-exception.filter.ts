import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ERROR_CODES, ErrorCode, errorBody, FgsError, FgsErrorBody } from '@ofg/contracts';
import { requestIdOf } from '../common/fgs-request';

/** Methods some other route accepts on this path; empty when no route matches the path at all. */
export type AllowedMethodsLookup = (path: string) => string[];

export interface RenderedError {
  status: number;
  body: FgsErrorBody;
  headers?: Record<string, string>;
  /** True when the error is a platform fault that must be logged. */
  unexpected?: boolean;
}

/** Maps anything thrown while serving a request to FunctionGraph's error shape; never exposes a stack. */
export function renderException(
  exception: unknown,
  path: string,
  allowedMethods: AllowedMethodsLookup = () => [],
): RenderedError {
  if (exception instanceof FgsError) {
    return { status: exception.status, body: errorBody(exception.code, exception.message) };
  }
  if (exception instanceof NotFoundException) {
    const allowed = allowedMethods(path);
    if (allowed.length > 0) {
      return {
        status: 405,
        body: errorBody('FSS.0405', ERROR_CODES['FSS.0405'].message),
        headers: { Allow: allowed.join(', ') },
      };
    }
    return { status: 404, body: errorBody('APIGW.0101', ERROR_CODES['APIGW.0101'].message) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const candidate = `FSS.0${status}`;
    const code: ErrorCode =
      candidate in ERROR_CODES ? (candidate as ErrorCode) : status < 500 ? 'FSS.0400' : 'FSS.0500';
    return { status, body: errorBody(code, ERROR_CODES[code].message), unexpected: status >= 500 };
  }
  return { status: 500, body: errorBody('FSS.0500', 'Internal service error'), unexpected: true };
}

/** The gateway's one global exception filter. */
@Catch()
export class FgsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('FgsExceptionFilter');

  constructor(private readonly allowedMethods: AllowedMethodsLookup = () => []) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const rendered = renderException(exception, req.path, this.allowedMethods);
    const requestId = requestIdOf(req);
    if (rendered.unexpected) {
      const stack = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
      this.logger.error(`unexpected error serving ${req.method} ${req.path} (request ${requestId})`, stack);
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.setHeader('X-Request-Id', requestId);
    for (const [name, value] of Object.entries(rendered.headers ?? {})) res.setHeader(name, value);
    res.status(rendered.status).json(rendered.body);
  }
}

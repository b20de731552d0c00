import { Agent, request as httpRequest } from 'node:http';
import { Injectable } from '@nestjs/common';
import {
  RuntimeInitRequest,
  RuntimeInitResponse,
  RuntimeInvokeRequest,
  RuntimeInvokeResponse,
} from '@ofg/contracts';

/** Connecting on the local bridge takes well under a millisecond; a container that vanished never answers at all. */
const CONNECT_TIMEOUT_MS = 1000;

/** Largest bootstrap answer the invoker reads (result up to 6 MB plus the request log). */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** The bootstrap answered with a non-2xx status. */
export class BootstrapHttpError extends Error {
  override readonly name = 'BootstrapHttpError';
  constructor(
    readonly status: number,
    readonly body: string,
    path: string,
  ) {
    super(`bootstrap ${path} answered ${status}: ${body.slice(0, 500)}`);
  }
}

/** The connection to the bootstrap failed (refused, reset, closed mid-answer): the container may have died. */
export class BootstrapConnectionError extends Error {
  override readonly name = 'BootstrapConnectionError';
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The call was cut by the caller's signal or the per-call timeout. */
export class BootstrapAbortedError extends Error {
  override readonly name = 'BootstrapAbortedError';
}

interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

interface RawResponse {
  status: number;
  body: Buffer;
}

/** HTTP client of the bootstrap wire protocol (libs/contracts runtime-protocol.ts). */
@Injectable()
export class BootstrapClient {
  // Keep-alive matters for warm invokes; the server's keep-alive hint retires idle sockets before it closes them.
  private readonly agent = new Agent({ keepAlive: true, scheduling: 'lifo' });

  /** True when the bootstrap answers GET /health with { ready: true }. */
  async isReady(endpoint: string, timeoutMs: number): Promise<boolean> {
    try {
      const res = await this.call('GET', `${endpoint}/health`, undefined, undefined, { timeoutMs });
      if (res.status !== 200) return false;
      const body = parseJson(res.body) as { ready?: unknown } | undefined;
      return body?.ready === true;
    } catch {
      return false;
    }
  }

  async putCode(endpoint: string, tar: Buffer, timeoutMs: number): Promise<void> {
    const res = await this.call('PUT', `${endpoint}/code`, tar, 'application/x-tar', { timeoutMs });
    if (res.status !== 200) throw new BootstrapHttpError(res.status, res.body.toString('utf8'), 'PUT /code');
  }

  async init(endpoint: string, req: RuntimeInitRequest, timeoutMs: number): Promise<RuntimeInitResponse> {
    const res = await this.call('POST', `${endpoint}/init`, jsonBody(req), 'application/json', { timeoutMs });
    if (res.status !== 200) throw new BootstrapHttpError(res.status, res.body.toString('utf8'), 'POST /init');
    const body = parseJson(res.body) as RuntimeInitResponse | undefined;
    if (!body || typeof body.ok !== 'boolean')
      throw new BootstrapHttpError(res.status, res.body.toString('utf8'), 'POST /init');
    return body;
  }

  async invoke(
    endpoint: string,
    req: RuntimeInvokeRequest,
    signal: AbortSignal,
  ): Promise<RuntimeInvokeResponse> {
    const res = await this.call('POST', `${endpoint}/invoke`, jsonBody(req), 'application/json', { signal });
    if (res.status !== 200)
      throw new BootstrapHttpError(res.status, res.body.toString('utf8'), 'POST /invoke');
    const body = parseJson(res.body) as RuntimeInvokeResponse | undefined;
    if (!body || (body.status !== 'success' && body.status !== 'error')) {
      throw new BootstrapHttpError(res.status, res.body.toString('utf8'), 'POST /invoke');
    }
    return body;
  }

  /** Drops idle keep-alive sockets (shutdown). */
  close(): void {
    this.agent.destroy();
  }

  private async call(
    method: string,
    url: string,
    body: Buffer | undefined,
    contentType: string | undefined,
    opts: CallOptions,
  ): Promise<RawResponse> {
    try {
      return await this.once(method, url, body, contentType, opts);
    } catch (err) {
      // Node's documented keep-alive race: the server closed an idle socket as we reused it; the request never arrived.
      if (err instanceof StaleSocketError) return this.once(method, url, body, contentType, opts);
      throw err;
    }
  }

  private once(
    method: string,
    url: string,
    body: Buffer | undefined,
    contentType: string | undefined,
    opts: CallOptions,
  ): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new BootstrapAbortedError(`${method} ${url} aborted`));
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let connectTimer: NodeJS.Timeout | undefined;
      const finish = (err: Error | undefined, res?: RawResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(connectTimer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(res as RawResponse);
      };
      const headers: Record<string, string | number> = {};
      if (body) {
        headers['content-type'] = contentType ?? 'application/octet-stream';
        headers['content-length'] = body.length;
      }
      const req = httpRequest(url, { method, agent: this.agent, headers });
      const onAbort = (): void => {
        finish(new BootstrapAbortedError(`${method} ${url} aborted`));
        req.destroy();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          finish(new BootstrapAbortedError(`${method} ${url} timed out after ${opts.timeoutMs} ms`));
          req.destroy();
        }, opts.timeoutMs);
      }
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(() => {
          finish(
            new BootstrapConnectionError(
              'ECONNECTTIMEOUT',
              `${method} ${url}: no connection within ${CONNECT_TIMEOUT_MS} ms`,
            ),
          );
          req.destroy();
        }, CONNECT_TIMEOUT_MS);
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (req.reusedSocket && err.code === 'ECONNRESET') return finish(new StaleSocketError());
        finish(new BootstrapConnectionError(err.code, `${method} ${url} failed: ${err.message}`));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            finish(
              new BootstrapHttpError(
                res.statusCode ?? 0,
                `response larger than ${MAX_RESPONSE_BYTES} bytes`,
                `${method} ${url}`,
              ),
            );
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('aborted', () =>
          finish(
            new BootstrapConnectionError('ECONNRESET', `${method} ${url}: connection closed mid-response`),
          ),
        );
        res.on('error', (err: NodeJS.ErrnoException) =>
          finish(
            new BootstrapConnectionError(err.code, `${method} ${url} failed mid-response: ${err.message}`),
          ),
        );
      });
      req.end(body);
    });
  }
}

class StaleSocketError extends Error {}

function jsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

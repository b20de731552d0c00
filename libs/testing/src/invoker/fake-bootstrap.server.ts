import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import {
  RuntimeInitRequest,
  RuntimeInitResponse,
  RuntimeInvokeRequest,
  RuntimeInvokeResponse,
} from '@ofg/contracts';

/** What a scripted bootstrap does; every hook is optional and defaults to a healthy echo runtime. */
export interface FakeBootstrapBehaviour {
  /** /health answers `ready: false` for this long after start. */
  readyAfterMs?: number;
  init?: (
    req: RuntimeInitRequest,
    bootstrap: FakeBootstrapServer,
  ) => RuntimeInitResponse | Promise<RuntimeInitResponse>;
  /** Default: success with the event text as result. Return a never-settling promise to hang. */
  invoke?: (
    req: RuntimeInvokeRequest,
    bootstrap: FakeBootstrapServer,
  ) => RuntimeInvokeResponse | Promise<RuntimeInvokeResponse>;
}

/**
 * A tiny HTTP server speaking the bootstrap wire protocol (runtime-protocol.ts) on 127.0.0.1, so code under test makes
 * real HTTP calls. One per fake container.
 */
export class FakeBootstrapServer {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly startedAt = Date.now();
  code: Buffer | undefined;
  initRequest: RuntimeInitRequest | undefined;
  invokeRequests: RuntimeInvokeRequest[] = [];
  /** Invocations in flight now, and the most seen at once. */
  activeInvocations = 0;
  maxActiveInvocations = 0;
  closed = false;

  constructor(private readonly behaviour: FakeBootstrapBehaviour = {}) {
    this.server = createServer((req, res) => void this.route(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Stops answering and cuts every open connection, as a dying container does. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    try {
      if (req.method === 'GET' && req.url === '/health') {
        const ready = Date.now() - this.startedAt >= (this.behaviour.readyAfterMs ?? 0);
        return send(res, ready ? 200 : 503, { ready });
      }
      if (req.method === 'PUT' && req.url === '/code') {
        this.code = body;
        return send(res, 200, { files: 0, bytes: body.length });
      }
      if (req.method === 'POST' && req.url === '/init') {
        const init = JSON.parse(body.toString('utf8')) as RuntimeInitRequest;
        this.initRequest = init;
        const answer = this.behaviour.init
          ? await this.behaviour.init(init, this)
          : { ok: true, durationMs: 1, log: '' };
        return send(res, 200, answer);
      }
      if (req.method === 'POST' && req.url === '/invoke') {
        const invoke = JSON.parse(body.toString('utf8')) as RuntimeInvokeRequest;
        this.invokeRequests.push(invoke);
        this.activeInvocations += 1;
        this.maxActiveInvocations = Math.max(this.maxActiveInvocations, this.activeInvocations);
        try {
          const answer = this.behaviour.invoke
            ? await this.behaviour.invoke(invoke, this)
            : {
                status: 'success' as const,
                result: invoke.event,
                log: `echo ${invoke.requestId}\n`,
                durationMs: 1,
                memoryUsedMb: 10,
              };
          return send(res, 200, answer);
        } finally {
          this.activeInvocations -= 1;
        }
      }
      send(res, 404, { errorMessage: `no route ${req.method} ${req.url}` });
    } catch (err) {
      send(res, 500, { errorMessage: String(err) });
    }
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

import { Inject, Injectable } from '@nestjs/common';
import { FgsError, LIMITS, MEMORY_SIZES_MB } from '@ofg/contracts';
import { cachedFunctionSnapshot, FunctionEntity, runnableAt, RunnableFunction } from '@ofg/data-access';
import { InvocationDispatcher } from '@ofg/queue';
import { FgsAuthContext } from '../common/fgs-request';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from '../functions/function.resolver';
import { parseLogType, parseRequestVersion, renderSyncReply, RenderedInvocation } from './invoke-response';

export interface InvokeRequest {
  urn: string;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** The gateway's request id; it becomes the invocation's request id too. */
  requestId: string;
}

/** The invocation front door: resolves, checks, dispatches and renders. Records are written by the invoker. */
@Injectable()
export class InvocationsService {
  constructor(
    private readonly resolver: FunctionResolver,
    private readonly dispatcher: InvocationDispatcher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async invokeSync(auth: FgsAuthContext, req: InvokeRequest): Promise<RenderedInvocation> {
    assertPayloadSize(req.rawBody, LIMITS.syncPayloadBytes, '6 MB');
    const { fn, alias } = await this.resolveEnabled(auth, req);
    const logType = parseLogType(req.headers['x-cff-log-type']);
    const version = parseRequestVersion(req.headers['x-cff-request-version']);
    const reply = await this.dispatcher.invokeSync(fn, eventText(req.rawBody), {
      domainId: auth.domainId,
      logType,
      requestId: req.requestId,
      alias,
    });
    const snapshot = cachedFunctionSnapshot(fn, this.config.region, auth.domainId);
    return renderSyncReply(reply, {
      version,
      logType,
      funcDigest: snapshot.configDigest,
      funcVersion: snapshot.version,
    });
  }

  async invokeAsync(auth: FgsAuthContext, req: InvokeRequest): Promise<{ request_id: string }> {
    assertPayloadSize(req.rawBody, LIMITS.asyncPayloadBytes, '256 KB');
    const { fn, alias } = await this.resolveEnabled(auth, req);
    const requestId = await this.dispatcher.invokeAsync(fn, eventText(req.rawBody), {
      domainId: auth.domainId,
      requestId: req.requestId,
      alias,
    });
    return { request_id: requestId };
  }

  /**
   * What this request runs: the head, a published version, or for an alias the version its rules (on this request's
   * headers) or weights pick. Max instances is function-wide: 0 disables every version.
   */
  private async resolveEnabled(auth: FgsAuthContext, req: InvokeRequest): Promise<RunnableFunction> {
    const { fn: head, target } = await this.resolver.findForInvoke(req.urn, auth);
    if (head.maxInstances === 0) throw new FgsError('FSS.0429', 'Function Disabled');
    const runnable = runnableAt(head, target, req.headers);
    return { ...runnable, fn: withInstanceMemory(runnable.fn, req.headers) };
  }
}

function assertPayloadSize(body: Buffer, maxBytes: number, label: string): void {
  if (body.length > maxBytes) throw new FgsError('FSS.0413', `The event is larger than ${label}`);
}

/**
 * `X-Cff-Instance-Memory` runs this invocation on instances of another memory size (and the CPU that goes with it);
 * the size is part of the config digest, so such instances are never shared with the function's default size.
 */
export function withInstanceMemory(
  fn: FunctionEntity,
  headers: Record<string, string | string[] | undefined>,
): FunctionEntity {
  const raw = headers['x-cff-instance-memory'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (value === undefined || value === '') return fn;
  const memorySize = Number(value);
  if (!(MEMORY_SIZES_MB as readonly number[]).includes(memorySize))
    throw new FgsError(
      'FSS.1007',
      `X-Cff-Instance-Memory must be one of ${MEMORY_SIZES_MB.join(', ')} (MB), got ${JSON.stringify(value)}`,
    );
  return memorySize === fn.memorySize
    ? fn
    : Object.assign(Object.create(Object.getPrototypeOf(fn) as object), fn, { memorySize });
}

/** The event exactly as sent; an empty body is the empty object. */
function eventText(body: Buffer): string {
  return body.length === 0 ? '{}' : body.toString('utf8');
}

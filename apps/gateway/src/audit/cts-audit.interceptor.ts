import { randomUUID } from 'node:crypto';
import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { IdentityRepository } from '@ofg/data-access';
import { Observable, tap } from 'rxjs';
import { ACTION_KEY, ActionMetadata } from '../authz/action.decorator';
import { FgsRequest } from '../common/fgs-request';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { TtlCache } from '../auth/ttl-cache';
import { AUDITED_ACTIONS, buildCtsTrace } from './cts-trace.builder';
import { CtsAuditPublisher } from './cts-audit.publisher';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USER_NAME_TTL_MS = 60_000;

/**
 * Writes a CTS audit record for every successful control-plane change (the routes whose IAM action is in
 * AUDITED_ACTIONS) once it is committed and answered; the answer never waits for, nor fails with, the record.
 */
@Injectable()
export class CtsAuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(CtsAuditInterceptor.name);
  private readonly userNames: TtlCache<string>;

  constructor(
    private readonly reflector: Reflector,
    private readonly publisher: CtsAuditPublisher,
    private readonly identity: IdentityRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.userNames = new TtlCache<string>(USER_NAME_TTL_MS, 10_000);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const meta = this.reflector.getAllAndOverride<ActionMetadata | undefined>(ACTION_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!meta || !(meta.action in AUDITED_ACTIONS)) return next.handle();
    const req = context.switchToHttp().getRequest<FgsRequest>();
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (req.method === 'POST' ? 201 : 200);
    return next.handle().pipe(
      tap((result: unknown) => {
        void this.record(meta.action, req, result, status);
      }),
    );
  }

  private async record(action: string, req: FgsRequest, result: unknown, status: number): Promise<void> {
    try {
      const auth = req.fgsAuth;
      if (!auth) return;
      const trace = buildCtsTrace({
        action,
        params: req.params as Record<string, string>,
        body: req.body as unknown,
        result,
        status,
        projectId: auth.projectId,
        domainId: auth.domainId,
        userId: auth.userId,
        userName: await this.userNameOf(auth.userId),
        region: this.config.region,
        now: Date.now(),
        traceId: randomUUID(),
      });
      if (trace) await this.publisher.publish(auth.projectId, trace);
    } catch (err) {
      this.logger.warn({ err, action }, 'audit record not built');
    }
  }

  /** The IAM user name; agency principals and unknown users are named by their id. */
  private async userNameOf(userId: string): Promise<string> {
    if (!UUID.test(userId)) return userId;
    const cached = this.userNames.get(userId);
    if (cached !== undefined) return cached;
    const user = await this.identity.findUserById(userId).catch(() => null);
    const name = user?.name ?? userId;
    if (user) this.userNames.set(userId, name);
    return name;
  }
}

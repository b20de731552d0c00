import { Injectable, Logger } from '@nestjs/common';
import {
  CANCELLED_ERROR_MESSAGE,
  cancelAsyncInvocationSchema,
  FgsError,
  ListAsyncInvocationsDto,
} from '@ofg/contracts';
import { AsyncInvocationRepository } from '@ofg/data-access';
import { InvocationProducer } from '@ofg/queue';
import { FgsAuthContext } from '../common/fgs-request';
import { ControlEventsPublisher } from '../control/control-events.publisher';
import { FunctionResolver } from '../functions/function.resolver';
import { toAsyncInvocationDto } from './async-invoke-config.mapper';
import { parseAsyncInvocationListQuery } from './async-list-query';

/** The async request list and stop (spec §3.13 #5–#6, §5.2–§5.3) over the invocation ledger. */
@Injectable()
export class AsyncInvocationsService {
  private readonly logger = new Logger(AsyncInvocationsService.name);

  constructor(
    private readonly ledger: AsyncInvocationRepository,
    private readonly resolver: FunctionResolver,
    private readonly producer: InvocationProducer,
    private readonly events: ControlEventsPublisher,
  ) {}

  /** Every async request of the function, whatever the qualifier it ran under; `active` keeps WAIT and RUNNING. */
  async list(
    auth: FgsAuthContext,
    urn: string,
    query: Record<string, unknown>,
    active = false,
  ): Promise<ListAsyncInvocationsDto> {
    const fn = await this.findFunction(auth, urn);
    const filter = parseAsyncInvocationListQuery(query, { active, now: new Date() });
    const { items, total } = await this.ledger.list(auth.projectId, fn.id, filter);
    return {
      invocations: items.map(toAsyncInvocationDto),
      count: total,
      next_marker: filter.offset + items.length,
    };
  }

  /**
   * Stops a WAIT or RUNNING request: its ledger row ends as DISCARD at once, its queued job is removed, and the
   * invoker running it is told to abort. Unknown and already ended requests are 400 `Invalid RequestId`.
   */
  async cancel(auth: FgsAuthContext, urn: string, body: unknown): Promise<void> {
    const fn = await this.findFunction(auth, urn);
    const input = cancelAsyncInvocationSchema.safeParse(body ?? {});
    if (!input.success) {
      const issue = input.error.issues[0];
      const field = issue?.path.map(String).join('.') || 'body';
      throw new FgsError(
        'FSS.0400',
        field === 'request_id' ? 'Invalid RequestId' : `Invalid parameter ${field}: ${issue?.message}`,
      );
    }
    const requestId = input.data.request_id.toLowerCase();
    const outcome = await this.ledger.stop(auth.projectId, fn.id, requestId, CANCELLED_ERROR_MESSAGE);
    if (outcome.kind === 'not_found') throw new FgsError('FSS.0400', 'Invalid RequestId');
    if (outcome.kind === 'ended') {
      throw new FgsError('FSS.0400', `Invalid RequestId: the request already ended with ${outcome.status}`);
    }
    // A RUNNING row may also wait in BullMQ for a retry; an active job is locked and stays, its claim then fails.
    await this.removeJob(requestId);
    if (outcome.previous === 'RUNNING') {
      await this.events.emitInvocationAbort({
        requestId,
        projectId: auth.projectId,
        functionId: fn.id,
        invokerId: outcome.invokerId,
        attempt: outcome.attempt,
        ...(input.data.type ? { type: input.data.type } : {}),
      });
    }
  }

  /** The function of a URN whose version or alias exists; requests of every qualifier are listed. */
  private async findFunction(auth: FgsAuthContext, urn: string) {
    return (await this.resolver.findTarget(urn, auth)).fn;
  }

  /** The ledger already decided; a job left behind is skipped by the invoker's fenced claim. */
  private async removeJob(requestId: string): Promise<void> {
    try {
      await this.producer.queue.remove(requestId);
    } catch (err) {
      this.logger.warn({
        msg: 'could not remove the job of a stopped async request',
        requestId,
        err: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

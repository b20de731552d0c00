import { randomUUID } from 'node:crypto';
import { FunctionSnapshot, InvocationJob } from '@ofg/contracts';
import { aFunctionSnapshot } from './function-snapshot.builder';

/** Builder of InvocationJob fixtures: `anInvocationJob(snapshot).withEvent({ a: 1 }).async().build()`. */
export class InvocationJobBuilder {
  private job: InvocationJob;

  constructor(snapshot: FunctionSnapshot = aFunctionSnapshot().build()) {
    this.job = {
      requestId: randomUUID(),
      projectId: snapshot.projectId,
      invokeType: 'sync',
      function: snapshot,
      event: '{}',
      logType: 'none',
      replyTo: 'ofg:reply:test',
      deadline: Date.now() + 60_000,
      enqueuedAt: Date.now(),
    };
  }

  withRequestId(requestId: string): this {
    this.job.requestId = requestId;
    return this;
  }

  /** The tenant the job claims to run for (differs from the function's project in forgery tests). */
  forProject(projectId: string): this {
    this.job.projectId = projectId;
    return this;
  }

  withEvent(event: unknown): this {
    this.job.event = typeof event === 'string' ? event : JSON.stringify(event);
    return this;
  }

  withDeadline(deadline: number | undefined): this {
    this.job.deadline = deadline;
    return this;
  }

  withReplyTo(channel: string): this {
    this.job.replyTo = channel;
    return this;
  }

  withLogTail(): this {
    this.job.logType = 'tail';
    return this;
  }

  withAlias(alias: string): this {
    this.job.alias = alias;
    return this;
  }

  async(): this {
    this.job.invokeType = 'async';
    delete this.job.replyTo;
    delete this.job.deadline;
    return this;
  }

  build(): InvocationJob {
    return { ...this.job, function: { ...this.job.function } };
  }
}

export function anInvocationJob(snapshot?: FunctionSnapshot): InvocationJobBuilder {
  return new InvocationJobBuilder(snapshot);
}

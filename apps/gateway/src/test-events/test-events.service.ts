import { Injectable } from '@nestjs/common';
import {
  createTestEventSchema,
  FgsError,
  ListTestEventsDto,
  TEST_EVENT_FIELD_ERRORS,
  TEST_EVENT_LIMITS,
  TestEventDto,
  TestEventRefDto,
  TestEventSummaryDto,
  updateTestEventSchema,
} from '@ofg/contracts';
import { FunctionEntity, TestEventRecord, TestEventRepository } from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { parseBody } from '../common/zod-errors';
import { FunctionResolver } from '../functions/function.resolver';
import { decodeTestEventContent, encodeTestEventContent, isTestEventId } from './test-event-content';

/**
 * Saved test payloads of a function (spec §3.4). Events belong to the function, whichever existing qualifier the URN names;
 * at most 10 per function (FSS.1068), 4 KB each (FSS.1069), names unique per function (FSS.1073).
 */
@Injectable()
export class TestEventsService {
  constructor(
    private readonly events: TestEventRepository,
    private readonly resolver: FunctionResolver,
  ) {}

  async list(auth: FgsAuthContext, urn: string): Promise<ListTestEventsDto> {
    const fn = await this.function(auth, urn);
    const events = await this.events.list(auth.projectId, fn.id);
    // Never more than one page (10 events): next_marker equal to count says there is no next page.
    return { events: events.map(toSummary), next_marker: events.length, count: events.length };
  }

  async create(auth: FgsAuthContext, urn: string, body: unknown): Promise<TestEventRefDto> {
    const fn = await this.function(auth, urn);
    const input = parseBody(createTestEventSchema, body, TEST_EVENT_FIELD_ERRORS, 'FSS.1074');
    const content = decodeTestEventContent(input.content);
    const result = await this.events.create(
      auth.projectId,
      fn.id,
      input.name,
      content,
      TEST_EVENT_LIMITS.perFunction,
    );
    switch (result.kind) {
      case 'created':
        return { id: result.event.id, name: result.event.name };
      case 'duplicate':
        throw new FgsError('FSS.1073', `The test event ${input.name} already exists`);
      case 'full':
        throw new FgsError(
          'FSS.1068',
          `The function already has ${result.count} test events, the maximum is ${TEST_EVENT_LIMITS.perFunction}`,
        );
      case 'no-function':
        throw new FgsError('FSS.1051');
    }
  }

  async get(auth: FgsAuthContext, urn: string, eventId: string): Promise<TestEventDto> {
    const fn = await this.function(auth, urn);
    const event = isTestEventId(eventId) ? await this.events.find(auth.projectId, fn.id, eventId) : null;
    if (!event) throw notFound(eventId);
    return { ...toSummary(event), content: encodeTestEventContent(event.content) };
  }

  /** Only the content changes; the name stays. */
  async update(auth: FgsAuthContext, urn: string, eventId: string, body: unknown): Promise<TestEventRefDto> {
    const fn = await this.function(auth, urn);
    if (!isTestEventId(eventId)) throw notFound(eventId);
    const input = parseBody(updateTestEventSchema, body, TEST_EVENT_FIELD_ERRORS, 'FSS.1074');
    const content = decodeTestEventContent(input.content);
    const updated = await this.events.updateContent(auth.projectId, fn.id, eventId, content);
    if (!updated) throw notFound(eventId);
    return { id: updated.id, name: updated.name };
  }

  async delete(auth: FgsAuthContext, urn: string, eventId: string): Promise<void> {
    const fn = await this.function(auth, urn);
    if (!isTestEventId(eventId) || !(await this.events.delete(auth.projectId, fn.id, eventId)))
      throw notFound(eventId);
  }

  /** A qualifier must exist (FSS.1052 / FSS.1053) but names the same events. */
  private async function(auth: FgsAuthContext, urn: string): Promise<FunctionEntity> {
    return (await this.resolver.findTarget(urn, auth)).fn;
  }
}

function toSummary(event: TestEventRecord): TestEventSummaryDto {
  return { id: event.id, name: event.name, last_modified: Math.floor(event.updatedAt.getTime() / 1000) };
}

function notFound(eventId: string): FgsError {
  return new FgsError('FSS.1070', `Not found the test event ${eventId.slice(0, 64)}`);
}

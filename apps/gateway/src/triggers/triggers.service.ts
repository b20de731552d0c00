import { Injectable } from '@nestjs/common';
import {
  createTriggerSchema,
  FgsError,
  FunctionRef,
  SUPPORTED_TRIGGER_TYPES,
  TRIGGER_TYPE_CODES,
  TriggerDto,
  TriggerTypeCode,
  updateTriggerSchema,
} from '@ofg/contracts';
import { FunctionEntity, TriggerEntity, TriggerRepository } from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { isUniqueViolation } from '../common/unique-violation';
import { parseBody } from '../common/zod-errors';
import { ControlEventsPublisher } from '../control/control-events.publisher';
import { assertLatestQualifier, FunctionResolver } from '../functions/function.resolver';
import { validateTimerEventData } from './timer-event.validator';
import { toTriggerDto } from './trigger.mapper';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Triggers of a function's `latest` head. Only TIMER can run today. */
@Injectable()
export class TriggersService {
  constructor(
    private readonly triggers: TriggerRepository,
    private readonly resolver: FunctionResolver,
    private readonly events: ControlEventsPublisher,
  ) {}

  async create(auth: FgsAuthContext, urn: string, body: unknown): Promise<TriggerDto> {
    const fn = await this.resolver.findLatest(urn, auth);
    const input = parseBody(createTriggerSchema, body, { trigger_type_code: 'FSS.1101' });
    const type = supportedType(input.trigger_type_code);
    const eventData = validateTimerEventData(input.event_data);
    if (await this.triggers.existsByName(auth.projectId, fn.id, type, eventData.name)) {
      throw new FgsError(
        'FSS.1148',
        `A timer trigger named ${eventData.name} already exists for this function`,
      );
    }
    let created: TriggerEntity;
    try {
      created = await this.triggers.create({
        projectId: auth.projectId,
        functionId: fn.id,
        qualifier: 'latest',
        triggerTypeCode: type,
        triggerStatus: input.trigger_status ?? 'ACTIVE',
        eventTypeCode: input.event_type_code ?? '',
        name: eventData.name,
        eventData: { ...eventData },
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new FgsError(
          'FSS.1148',
          `A timer trigger named ${eventData.name} already exists for this function`,
        );
      throw err;
    }
    await this.events.emitTriggerChanged({
      triggerId: created.id,
      projectId: auth.projectId,
      action: 'upsert',
    });
    return toTriggerDto(created);
  }

  async list(auth: FgsAuthContext, urn: string): Promise<TriggerDto[]> {
    const fn = await this.resolver.findLatest(urn, auth);
    return (await this.triggers.listForFunction(auth.projectId, fn.id)).map(toTriggerDto);
  }

  async get(auth: FgsAuthContext, urn: string, typeCode: string, triggerId: string): Promise<TriggerDto> {
    const { trigger } = await this.findTrigger(auth, urn, typeCode, triggerId);
    return toTriggerDto(trigger);
  }

  /** Changes `trigger_status` (re-applying the current one is FSS.1153) and, for TIMER, optionally `event_data`. */
  async update(
    auth: FgsAuthContext,
    urn: string,
    typeCode: string,
    triggerId: string,
    body: unknown,
  ): Promise<TriggerDto> {
    const { fn, trigger } = await this.findTrigger(auth, urn, typeCode, triggerId);
    const input = parseBody(updateTriggerSchema, body);
    const patch: Partial<TriggerEntity> = {};
    if (input.trigger_status !== undefined) {
      if (input.trigger_status === trigger.triggerStatus) {
        throw new FgsError('FSS.1153', `The trigger is already ${trigger.triggerStatus}`);
      }
      patch.triggerStatus = input.trigger_status;
    }
    if (input.event_data !== undefined) {
      const eventData = validateTimerEventData(input.event_data);
      if (
        eventData.name !== trigger.name &&
        (await this.triggers.existsByName(auth.projectId, fn.id, trigger.triggerTypeCode, eventData.name))
      ) {
        throw new FgsError(
          'FSS.1148',
          `A timer trigger named ${eventData.name} already exists for this function`,
        );
      }
      patch.name = eventData.name;
      patch.eventData = { ...eventData };
    }
    if (Object.keys(patch).length === 0) return toTriggerDto(trigger);
    let updated: TriggerEntity | null;
    try {
      updated = await this.triggers.update(auth.projectId, trigger.id, patch);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new FgsError('FSS.1148', 'A timer trigger with this name already exists for this function');
      throw err;
    }
    if (!updated) throw notFound(trigger.triggerTypeCode);
    await this.events.emitTriggerChanged({
      triggerId: trigger.id,
      projectId: auth.projectId,
      action: 'upsert',
    });
    return toTriggerDto(updated);
  }

  async delete(auth: FgsAuthContext, urn: string, typeCode: string, triggerId: string): Promise<void> {
    const { trigger } = await this.findTrigger(auth, urn, typeCode, triggerId);
    if (!(await this.triggers.delete(auth.projectId, trigger.id))) throw notFound(typeCode);
    await this.events.emitTriggerChanged({
      triggerId: trigger.id,
      projectId: auth.projectId,
      action: 'delete',
    });
  }

  /** No qualifier or `latest` removes every trigger of the function (spec §3.12). */
  async deleteAll(auth: FgsAuthContext, urn: string): Promise<void> {
    const fn = await this.resolver.findLatest(urn, auth);
    const ids = await this.triggers.deleteAllForFunction(auth.projectId, fn.id);
    for (const triggerId of ids) {
      await this.events.emitTriggerChanged({ triggerId, projectId: auth.projectId, action: 'delete' });
    }
  }

  private async findTrigger(
    auth: FgsAuthContext,
    urn: string,
    typeCode: string,
    triggerId: string,
  ): Promise<{ fn: FunctionEntity; ref: FunctionRef; trigger: TriggerEntity }> {
    const { fn, ref } = await this.resolver.find(urn, auth);
    assertLatestQualifier(ref);
    if (!UUID.test(triggerId)) throw notFound(typeCode);
    const trigger = await this.triggers.find(auth.projectId, fn.id, typeCode, triggerId);
    if (!trigger) throw notFound(typeCode);
    return { fn, ref, trigger };
  }
}

function notFound(typeCode: string): FgsError {
  return typeCode === 'TIMER' ? new FgsError('FSS.1140') : new FgsError('FSS.1131');
}

function supportedType(code: string): TriggerTypeCode {
  const known = (TRIGGER_TYPE_CODES as readonly string[]).includes(code);
  if (!known) throw new FgsError('FSS.1101', `Invalid trigger type ${code.slice(0, 32)}`);
  if (!SUPPORTED_TRIGGER_TYPES.includes(code as TriggerTypeCode)) {
    throw new FgsError('FSS.1101', `trigger type ${code} is not supported yet`);
  }
  return code as TriggerTypeCode;
}

import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  createTriggerSchema,
  FgsError,
  formatQualifier,
  FunctionRef,
  SUPPORTED_TRIGGER_TYPES,
  TRIGGER_TYPE_CODES,
  TRIGGER_TYPE_RULES,
  TriggerDto,
  TriggerTypeCode,
  triggerTypeRule,
  updateTriggerSchema,
} from '@ofg/contracts';
import { FunctionEntity, TriggerEntity, TriggerRepository } from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { isUniqueViolation } from '../common/unique-violation';
import { parseBody } from '../common/zod-errors';
import { ControlEventsPublisher } from '../control/control-events.publisher';
import { FunctionResolver, isLatestRef } from '../functions/function.resolver';
import { TRIGGER_TYPE_HOOKS, TriggerTypeHooks } from './trigger-type.hooks';
import { assertStatusAllowed, duplicateError, validateEventData } from './trigger-event-data';
import { toTriggerDto } from './trigger.mapper';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Triggers of a function, each bound to the qualifier of the URN it was created with (`latest`, a version or an
 * alias), which is what it invokes. Per-type rules (event_data, codes, default status, disabling) come from
 * TRIGGER_TYPE_RULES; types with rules beyond the function's own triggers (APIG) add hooks.
 */
@Injectable()
export class TriggersService {
  constructor(
    private readonly triggers: TriggerRepository,
    private readonly resolver: FunctionResolver,
    private readonly events: ControlEventsPublisher,
    @Optional() @Inject(TRIGGER_TYPE_HOOKS) private readonly hooks: TriggerTypeHooks[] = [],
  ) {}

  async create(auth: FgsAuthContext, urn: string, body: unknown): Promise<TriggerDto> {
    const { fn, ref } = await this.resolver.findTarget(urn, auth);
    const input = parseBody(createTriggerSchema, body, { trigger_type_code: 'FSS.1101' });
    const type = supportedType(input.trigger_type_code);
    const rule = TRIGGER_TYPE_RULES[type];
    const status = input.trigger_status ?? rule.defaultStatus;
    assertStatusAllowed(type, rule, status);
    let eventData = validateEventData(type, input.event_data);
    const hook = this.hookOf(type);
    if (hook)
      eventData = await hook.prepare({ projectId: auth.projectId, type, eventData, functionId: fn.id });
    const name = rule.nameOf(eventData);
    if (await this.triggers.existsByName(auth.projectId, fn.id, type, name))
      throw duplicateError(type, rule, name);
    let created: TriggerEntity;
    try {
      created = await this.triggers.create({
        projectId: auth.projectId,
        functionId: fn.id,
        qualifier: formatQualifier(ref),
        triggerTypeCode: type,
        triggerStatus: status,
        eventTypeCode: input.event_type_code ?? '',
        name,
        eventData,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateError(type, rule, name);
      throw err;
    }
    await this.changed(created, 'upsert');
    return this.dto(created);
  }

  /** A version or alias URN lists the triggers bound to it; `latest` or an unqualified URN every trigger. */
  async list(auth: FgsAuthContext, urn: string): Promise<TriggerDto[]> {
    const { fn, ref } = await this.resolver.findTarget(urn, auth);
    const all = await this.triggers.listForFunction(auth.projectId, fn.id);
    const qualifier = qualifierFilterOf(ref);
    return all.filter((t) => qualifier === undefined || t.qualifier === qualifier).map((t) => this.dto(t));
  }

  async get(auth: FgsAuthContext, urn: string, typeCode: string, triggerId: string): Promise<TriggerDto> {
    const { trigger } = await this.findTrigger(auth, urn, typeCode, triggerId);
    return this.dto(trigger);
  }

  /**
   * Changes `trigger_status` (re-applying the current one is FSS.1153; DISABLED only where the type allows it) and
   * optionally `event_data`: an object replaces it, the SDK's array of partial objects is merged over it.
   */
  async update(
    auth: FgsAuthContext,
    urn: string,
    typeCode: string,
    triggerId: string,
    body: unknown,
  ): Promise<TriggerDto> {
    const { fn, trigger } = await this.findTrigger(auth, urn, typeCode, triggerId);
    const input = parseBody(updateTriggerSchema, body);
    const type = supportedType(trigger.triggerTypeCode);
    const rule = TRIGGER_TYPE_RULES[type];
    const patch: Partial<TriggerEntity> = {};
    if (input.trigger_status !== undefined) {
      if (input.trigger_status === trigger.triggerStatus) {
        throw new FgsError('FSS.1153', `The trigger is already ${trigger.triggerStatus}`);
      }
      assertStatusAllowed(type, rule, input.trigger_status);
      patch.triggerStatus = input.trigger_status;
    }
    if (input.event_data !== undefined) {
      const requested = Array.isArray(input.event_data)
        ? Object.assign({}, trigger.eventData, ...input.event_data)
        : input.event_data;
      let eventData = validateEventData(type, requested);
      const hook = this.hookOf(type);
      if (hook)
        eventData = await hook.prepare({
          projectId: auth.projectId,
          type,
          eventData,
          current: trigger,
          functionId: fn.id,
        });
      const name = rule.nameOf(eventData);
      if (
        name !== trigger.name &&
        (await this.triggers.existsByName(auth.projectId, fn.id, trigger.triggerTypeCode, name))
      ) {
        throw duplicateError(type, rule, name);
      }
      patch.name = name;
      patch.eventData = eventData;
    }
    if (Object.keys(patch).length === 0) return this.dto(trigger);
    let updated: TriggerEntity | null;
    try {
      updated = await this.triggers.update(auth.projectId, trigger.id, patch);
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateError(type, rule, patch.name ?? trigger.name);
      throw err;
    }
    if (!updated) throw notFound(trigger.triggerTypeCode);
    await this.changed(updated, 'upsert');
    return this.dto(updated);
  }

  async delete(auth: FgsAuthContext, urn: string, typeCode: string, triggerId: string): Promise<void> {
    const { trigger } = await this.findTrigger(auth, urn, typeCode, triggerId);
    if (!(await this.triggers.delete(auth.projectId, trigger.id))) throw notFound(typeCode);
    await this.changed(trigger, 'delete');
  }

  /** No qualifier or `latest` removes every trigger of the function (spec §3.12); a version or alias only its own. */
  async deleteAll(auth: FgsAuthContext, urn: string): Promise<void> {
    const { fn, ref } = await this.resolver.findTarget(urn, auth);
    const ids = isLatestRef(ref)
      ? await this.triggers.deleteAllForFunction(auth.projectId, fn.id)
      : await this.deleteBound(auth, fn.id, formatQualifier(ref));
    if (ids.length > 0) this.forget(auth.projectId);
    for (const triggerId of ids) {
      await this.events.emitTriggerChanged({ triggerId, projectId: auth.projectId, action: 'delete' });
    }
  }

  private async deleteBound(auth: FgsAuthContext, functionId: string, qualifier: string): Promise<string[]> {
    const ids: string[] = [];
    for (const t of await this.triggers.listForFunction(auth.projectId, functionId)) {
      if (t.qualifier === qualifier && (await this.triggers.delete(auth.projectId, t.id))) ids.push(t.id);
    }
    return ids;
  }

  /** A trigger of the function; a version or alias URN only finds the triggers bound to it. */
  private async findTrigger(
    auth: FgsAuthContext,
    urn: string,
    typeCode: string,
    triggerId: string,
  ): Promise<{ fn: FunctionEntity; ref: FunctionRef; trigger: TriggerEntity }> {
    const { fn, ref } = await this.resolver.findTarget(urn, auth);
    if (!UUID.test(triggerId)) throw notFound(typeCode);
    const trigger = await this.triggers.find(auth.projectId, fn.id, typeCode, triggerId);
    const qualifier = qualifierFilterOf(ref);
    if (!trigger || (qualifier !== undefined && trigger.qualifier !== qualifier)) throw notFound(typeCode);
    return { fn, ref, trigger };
  }

  private hookOf(type: string): TriggerTypeHooks | undefined {
    return this.hooks.find((h) => h.types.includes(type));
  }

  private dto(t: TriggerEntity): TriggerDto {
    const dto = toTriggerDto(t);
    const hook = this.hookOf(t.triggerTypeCode);
    return hook ? hook.decorate(t, dto) : dto;
  }

  /** Drops this gateway's cached view at once, then tells the trigger services and the other replicas. */
  private async changed(t: TriggerEntity, action: 'upsert' | 'delete'): Promise<void> {
    this.forget(t.projectId);
    await this.events.emitTriggerChanged({ triggerId: t.id, projectId: t.projectId, action });
  }

  private forget(projectId: string): void {
    for (const hook of this.hooks) hook.forget(projectId);
  }
}

/** The qualifier a version or alias URN narrows triggers to; undefined (every trigger) for latest or none. */
function qualifierFilterOf(ref: FunctionRef): string | undefined {
  return isLatestRef(ref) ? undefined : formatQualifier(ref);
}

/** The type's own not-found code (FSS.1140 timer, FSS.1138 APIG, ...); FSS.1131 for an unknown type. */
function notFound(typeCode: string): FgsError {
  return new FgsError(triggerTypeRule(typeCode)?.notFoundCode ?? 'FSS.1131');
}

function supportedType(code: string): TriggerTypeCode {
  const known = (TRIGGER_TYPE_CODES as readonly string[]).includes(code);
  if (!known) throw new FgsError('FSS.1101', `Invalid trigger type ${code.slice(0, 32)}`);
  if (!SUPPORTED_TRIGGER_TYPES.includes(code as TriggerTypeCode)) {
    throw new FgsError('FSS.1101', `trigger type ${code} is not supported yet`);
  }
  return code as TriggerTypeCode;
}

import {
  FgsError,
  TRIGGER_TYPE_RULES,
  TriggerStatus,
  TriggerTypeCode,
  TriggerTypeRule,
} from '@ofg/contracts';
import { validateTimerEventData } from './timer-event.validator';

/** The event_data of a supported type, validated and with defaults applied; the type's invalid code otherwise. */
export function validateEventData(type: TriggerTypeCode, eventData: unknown): Record<string, unknown> {
  if (type === 'TIMER') return { ...validateTimerEventData(eventData) };
  const rule = TRIGGER_TYPE_RULES[type];
  if (!rule.schema) throw new FgsError('FSS.1101', `trigger type ${type} is not supported yet`);
  const parsed = rule.schema.safeParse(eventData);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `event_data.${issue.path.join('.')}` : 'event_data';
  throw new FgsError(
    (issue && rule.issueCode?.(issue)) ?? rule.invalidCode,
    `Invalid ${type} trigger parameter ${where}: ${issue?.message ?? 'invalid'}`,
  );
}

/** DISABLED only for types that can be disabled (see TRIGGER_TYPE_RULES). */
export function assertStatusAllowed(type: string, rule: TriggerTypeRule, status: TriggerStatus): void {
  if (status === 'DISABLED' && !rule.canDisable)
    throw new FgsError('FSS.0400', `${type} triggers cannot be disabled`);
}

/** The duplicate error of a type, naming what collided. */
export function duplicateError(type: string, rule: TriggerTypeRule, name: string): FgsError {
  return new FgsError(
    rule.existsCode,
    `A ${type} trigger with the same ${describeName(type)} (${name}) already exists for this function`,
  );
}

function describeName(type: string): string {
  switch (type) {
    case 'DIS':
      return 'stream';
    case 'DMS':
      return 'queue and consumer group';
    case 'RABBITMQ':
      return 'exchange, routing key and queue';
    case 'OBS':
      return 'bucket, prefix, suffix and events';
    case 'EVENTGRID':
      return 'channel, source and event types';
    default:
      return 'name';
  }
}

import { TriggerDto } from '@ofg/contracts';
import type { TriggerEntity } from '@ofg/data-access';
import { isoWithOffset } from '../common/time-format';

export function toTriggerDto(t: TriggerEntity): TriggerDto {
  const dto: TriggerDto = {
    trigger_id: t.id,
    trigger_type_code: t.triggerTypeCode,
    trigger_status: t.triggerStatus,
    event_data: t.eventData,
    last_updated_time: isoWithOffset(t.updatedAt),
    created_time: isoWithOffset(t.createdAt),
  };
  if (t.eventTypeCode) dto.event_type_code = t.eventTypeCode;
  return dto;
}

import { Inject, Injectable } from '@nestjs/common';
import {
  FgsError,
  obsEventDataSchema,
  obsFiltersOverlap,
  TRIGGER_TYPE_RULES,
  TriggerDto,
} from '@ofg/contracts';
import { TriggerEntity, TriggerRepository } from '@ofg/data-access';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { PushAuthService } from '../push-events/push-auth.service';
import { TriggerTypeHooks } from '../triggers/trigger-type.hooks';

/**
 * OBS triggers: a bucket's notification configurations belong to the project, so one that overlaps another OBS
 * trigger's (same bucket, an event in common, overlapping prefix and suffix) is refused with FSS.1108 whatever function
 * it is on; the same filter twice on one function is FSS.1145 (the trigger service's duplicate check). Answers add the
 * `notification_url` bucket notifications are pushed to, push token included.
 */
@Injectable()
export class ObsTriggerHooks implements TriggerTypeHooks {
  readonly types = ['OBS'] as const;

  constructor(
    private readonly triggers: TriggerRepository,
    private readonly auth: PushAuthService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async prepare(input: {
    projectId: string;
    eventData: Record<string, unknown>;
    current?: TriggerEntity;
    functionId?: string;
  }): Promise<Record<string, unknown>> {
    const filter = obsEventDataSchema.parse(input.eventData);
    const name = TRIGGER_TYPE_RULES.OBS.nameOf(input.eventData);
    for (const other of await this.triggers.listForProjectOfTypes(input.projectId, ['OBS'])) {
      if (other.id === input.current?.id) continue;
      // Left to the duplicate check, which answers FSS.1145.
      if (other.functionId === input.functionId && other.name === name) continue;
      const theirs = obsEventDataSchema.safeParse(other.eventData);
      if (theirs.success && obsFiltersOverlap(filter, theirs.data))
        throw new FgsError(
          'FSS.1108',
          `The notification configuration overlaps OBS trigger ${other.id} on bucket ${filter.bucket} ` +
            `(events ${theirs.data.events.join(', ')}, prefix "${theirs.data.prefix ?? ''}", ` +
            `suffix "${theirs.data.suffix ?? ''}")`,
        );
    }
    return input.eventData;
  }

  decorate(trigger: TriggerEntity, dto: TriggerDto): TriggerDto {
    const project = encodeURIComponent(trigger.projectId);
    const token = this.auth.tokenOf(trigger.projectId);
    return {
      ...dto,
      event_data: {
        ...dto.event_data,
        notification_url: `${this.config.apig.baseUrl}/obs-events/${project}?token=${token}`,
      },
    };
  }

  forget(): void {
    // Nothing cached: every notification reads the project's OBS triggers.
  }
}

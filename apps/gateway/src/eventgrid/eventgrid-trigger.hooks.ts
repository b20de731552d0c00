import { Inject, Injectable } from '@nestjs/common';
import { TriggerDto } from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { PushAuthService } from '../push-events/push-auth.service';
import { TriggerTypeHooks } from '../triggers/trigger-type.hooks';

/** EVENTGRID triggers: answers add the `endpoint_url` CloudEvents of the channel are published to, push token included. */
@Injectable()
export class EventgridTriggerHooks implements TriggerTypeHooks {
  readonly types = ['EVENTGRID'] as const;

  constructor(
    private readonly auth: PushAuthService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async prepare(input: { eventData: Record<string, unknown> }): Promise<Record<string, unknown>> {
    return input.eventData;
  }

  decorate(trigger: TriggerEntity, dto: TriggerDto): TriggerDto {
    const project = encodeURIComponent(trigger.projectId);
    const channel = encodeURIComponent(String(trigger.eventData['channel_name']));
    const token = this.auth.tokenOf(trigger.projectId);
    return {
      ...dto,
      event_data: {
        ...dto.event_data,
        endpoint_url: `${this.config.apig.baseUrl}/eventgrid/${project}/${channel}?token=${token}`,
      },
    };
  }

  forget(): void {
    // Nothing cached: every publish reads the project's EVENTGRID triggers.
  }
}

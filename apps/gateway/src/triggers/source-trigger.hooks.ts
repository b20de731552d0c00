import { Inject, Injectable } from '@nestjs/common';
import { FgsError, SMN_TOPIC_URN, TriggerDto } from '@ofg/contracts';
import { FunctionRepository, TriggerEntity } from '@ofg/data-access';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { TriggerTypeHooks } from './trigger-type.hooks';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SMN and LTS triggers read the project's own streams: an SMN topic of this region and project (FSS.1102), the logs
 * of a function of this project named by `log_topic_id`, its `stream_id` in lts-log-detail (FSS.1110).
 */
@Injectable()
export class SourceTriggerHooks implements TriggerTypeHooks {
  readonly types = ['SMN', 'LTS'] as const;

  constructor(
    private readonly functions: FunctionRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async prepare(input: {
    projectId: string;
    type: string;
    eventData: Record<string, unknown>;
  }): Promise<Record<string, unknown>> {
    const { eventData, projectId } = input;
    if (input.type === 'SMN') {
      const [, region, topicProject] = SMN_TOPIC_URN.exec(String(eventData['topic_urn'])) ?? [];
      if (region !== this.config.region || topicProject !== projectId)
        throw new FgsError(
          'FSS.1102',
          `Invalid event_data.topic_urn: the topic must be in region ${this.config.region} and this project`,
        );
    } else {
      const source = String(eventData['log_topic_id']);
      if (!UUID.test(source) || !(await this.functions.findById(projectId, source)))
        throw new FgsError(
          'FSS.1110',
          'Invalid event_data.log_topic_id: it must be the stream_id (function id) of a function of this project',
        );
    }
    return eventData;
  }

  decorate(_trigger: TriggerEntity, dto: TriggerDto): TriggerDto {
    return dto;
  }

  forget(): void {
    // Nothing cached.
  }
}

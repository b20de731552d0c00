import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APIG_TRIGGER_TYPES, FgsError, TriggerDto } from '@ofg/contracts';
import { TriggerEntity, TriggerRepository } from '@ofg/data-access';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { TriggerTypeHooks } from '../triggers/trigger-type.hooks';
import { methodsOverlap, normaliseApiPath } from './apig-route';
import { ApigRouteTable } from './apig-route.table';

/**
 * APIG, DEDICATEDGATEWAY and APIC triggers: an API group belongs to the project, so API names (FSS.1147) and
 * path + method pairs (FSS.1146) are unique per group across all the project's functions; the platform assigns the
 * API id and answers the invoke URL (`<APIG_BASE_URL>/apig/<project_id>/<group_id><path>`).
 */
@Injectable()
export class ApigTriggerHooks implements TriggerTypeHooks {
  readonly types = APIG_TRIGGER_TYPES;

  constructor(
    private readonly triggers: TriggerRepository,
    private readonly routes: ApigRouteTable,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async prepare(input: {
    projectId: string;
    type: string;
    eventData: Record<string, unknown>;
    current?: TriggerEntity;
  }): Promise<Record<string, unknown>> {
    const api = input.eventData;
    const path = normaliseApiPath(String(api['path']));
    for (const other of await this.triggers.listForProjectOfTypes(input.projectId, APIG_TRIGGER_TYPES)) {
      if (other.id === input.current?.id || other.eventData['group_id'] !== api['group_id']) continue;
      if (other.eventData['name'] === api['name'])
        throw new FgsError(
          'FSS.1147',
          `The API name ${String(api['name'])} is already used in group ${String(api['group_id'])}`,
        );
      if (
        normaliseApiPath(String(other.eventData['path'])) === path &&
        methodsOverlap(String(other.eventData['req_method']), String(api['req_method']))
      )
        throw new FgsError(
          'FSS.1146',
          `An API for ${String(other.eventData['req_method'])} ${path} already exists in group ${String(api['group_id'])}`,
        );
    }
    const apiId = input.current?.eventData['api_id'];
    return { ...api, api_id: typeof apiId === 'string' ? apiId : randomBytes(16).toString('hex') };
  }

  decorate(trigger: TriggerEntity, dto: TriggerDto): TriggerDto {
    const data = trigger.eventData;
    return {
      ...dto,
      event_data: {
        ...data,
        api_id: data['api_id'],
        api_name: data['name'],
        group_name: data['group_name'] ?? data['group_id'],
        invoke_url: this.invokeUrlOf(trigger),
        triggerid: trigger.id,
      },
    };
  }

  forget(projectId: string): void {
    this.routes.evictProject(projectId);
  }

  private invokeUrlOf(trigger: TriggerEntity): string {
    const data = trigger.eventData;
    const path = normaliseApiPath(String(data['path']));
    const group = encodeURIComponent(String(data['group_id']));
    return `${this.config.apig.baseUrl}/apig/${encodeURIComponent(trigger.projectId)}/${group}${path === '/' ? '/' : path}`;
  }
}

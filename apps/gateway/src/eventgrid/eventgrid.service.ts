import { Injectable, Logger } from '@nestjs/common';
import {
  EventgridEventData,
  eventgridEventDataSchema,
  eventgridFilterMatches,
  FgsError,
  LIMITS,
} from '@ofg/contracts';
import { IdentityRepository, TriggerEntity, TriggerRepository } from '@ofg/data-access';
import { AuthRequest } from '../auth/auth-context';
import { PushAuthService } from '../push-events/push-auth.service';
import { PushDeliveryService, PushItem, PushResult } from '../push-events/push-delivery.service';
import { pushProjectDomain, servePush } from '../push-events/push-endpoint';
import { PushMetrics } from '../push-events/push.metrics';
import {
  cloudEventHop,
  CloudEventsMode,
  CloudEventsRequest,
  eventgridTriggerEvent,
  parseCloudEvents,
} from './cloud-events';

const CHANNEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What the ingestion endpoint answers: one result per event and matching trigger. */
export interface EventgridPublishReport {
  mode: CloudEventsMode;
  events: number;
  results: PushResult[];
}

/**
 * CloudEvents published to `/eventgrid/{project_id}/{channel_name}`: each event invokes every ACTIVE EVENTGRID trigger
 * of the project on that channel whose source and type filters it passes, once (a re-publish of the same `source` and
 * `id` is recognised as the same event).
 */
@Injectable()
export class EventgridService {
  private readonly logger = new Logger(EventgridService.name);

  constructor(
    private readonly auth: PushAuthService,
    private readonly identity: IdentityRepository,
    private readonly triggers: TriggerRepository,
    private readonly delivery: PushDeliveryService,
    private readonly metrics: PushMetrics,
  ) {}

  async publish(
    projectId: string,
    channel: string,
    request: CloudEventsRequest,
    authRequest: AuthRequest,
  ): Promise<EventgridPublishReport> {
    return servePush(this.logger, this.metrics, 'EVENTGRID', async () => {
      await this.auth.authenticate(authRequest, projectId);
      const domainId = await pushProjectDomain(this.identity, projectId);
      if (!CHANNEL.test(channel))
        throw new FgsError('FSS.0400', 'The channel name must be 1-128 letters, digits, . _ or -');
      const { mode, events } = parseCloudEvents(request);
      const triggers = await this.channelTriggers(projectId, channel);
      const items: PushItem[] = [];
      for (const event of events) {
        const matching = triggers.filter((t) => eventgridFilterMatches(t.filter, event));
        if (matching.length === 0) continue;
        const hop = cloudEventHop(event);
        const text = JSON.stringify(eventgridTriggerEvent(event, hop));
        if (Buffer.byteLength(text) > LIMITS.asyncPayloadBytes)
          throw new FgsError('FSS.0413', `CloudEvent ${event.id.slice(0, 64)} is larger than 256 KB`);
        // CloudEvents: source and id identify an event, so a re-published one is the same event.
        const eventKey = `${event.source}\n${event.id}`;
        for (const { trigger } of matching) items.push({ trigger, event: text, eventKey, hop });
      }
      return {
        mode,
        events: events.length,
        results: await this.delivery.deliverAll('EVENTGRID', domainId, items),
      };
    });
  }

  private async channelTriggers(
    projectId: string,
    channel: string,
  ): Promise<{ trigger: TriggerEntity; filter: EventgridEventData }[]> {
    const out: { trigger: TriggerEntity; filter: EventgridEventData }[] = [];
    for (const trigger of await this.triggers.listForProjectOfTypes(projectId, ['EVENTGRID'])) {
      if (trigger.triggerStatus !== 'ACTIVE') continue;
      const parsed = eventgridEventDataSchema.safeParse(trigger.eventData);
      if (!parsed.success) {
        this.logger.warn({ triggerId: trigger.id }, 'EVENTGRID trigger skipped: its event_data is invalid');
        continue;
      }
      if (parsed.data.channel_name === channel) out.push({ trigger, filter: parsed.data });
    }
    return out;
  }
}

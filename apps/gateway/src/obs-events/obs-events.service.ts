import { Injectable, Logger } from '@nestjs/common';
import { FgsError, LIMITS, ObsEventData, obsEventDataSchema, obsFilterMatches } from '@ofg/contracts';
import { IdentityRepository, TriggerEntity, TriggerRepository } from '@ofg/data-access';
import { FgsRequest } from '../common/fgs-request';
import { pushBodyOf } from '../push-events/push-body';
import { PushAuthService } from '../push-events/push-auth.service';
import { PushDeliveryService, PushItem, PushResult } from '../push-events/push-delivery.service';
import { pushProjectDomain, servePush } from '../push-events/push-endpoint';
import { PushMetrics } from '../push-events/push.metrics';
import { obsTriggerEvent, parseObsNotification } from './obs-notification';

/** What the notification endpoint answers: one result per record and matching trigger. */
export interface ObsNotificationReport {
  records: number;
  results: PushResult[];
}

/**
 * Bucket notifications pushed to `/obs-events/{project_id}`: each record invokes every ACTIVE OBS trigger of the
 * project whose bucket, events and key prefix/suffix it matches, once, with its own `{"Records":[record]}` event.
 */
@Injectable()
export class ObsEventsService {
  private readonly logger = new Logger(ObsEventsService.name);

  constructor(
    private readonly auth: PushAuthService,
    private readonly identity: IdentityRepository,
    private readonly triggers: TriggerRepository,
    private readonly delivery: PushDeliveryService,
    private readonly metrics: PushMetrics,
  ) {}

  async notify(projectId: string, req: FgsRequest): Promise<ObsNotificationReport> {
    return servePush(this.logger, this.metrics, 'OBS', async () => {
      await this.auth.authenticate(req, projectId);
      const domainId = await pushProjectDomain(this.identity, projectId);
      const records = parseObsNotification(pushBodyOf(req));
      const triggers = records.length > 0 ? await this.activeTriggers(projectId) : [];
      const items: PushItem[] = [];
      for (const r of records) {
        const matching = triggers.filter((t) => obsFilterMatches(t.filter, r));
        if (matching.length === 0) continue;
        const event = JSON.stringify(obsTriggerEvent(r));
        if (Buffer.byteLength(event) > LIMITS.asyncPayloadBytes)
          throw new FgsError('FSS.0413', `The event of ${r.bucket}/${r.key} is larger than 256 KB`);
        for (const { trigger } of matching) items.push({ trigger, event, eventKey: r.eventKey, hop: r.hop });
      }
      return { records: records.length, results: await this.delivery.deliverAll('OBS', domainId, items) };
    });
  }

  private async activeTriggers(
    projectId: string,
  ): Promise<{ trigger: TriggerEntity; filter: ObsEventData }[]> {
    const out: { trigger: TriggerEntity; filter: ObsEventData }[] = [];
    for (const trigger of await this.triggers.listForProjectOfTypes(projectId, ['OBS'])) {
      if (trigger.triggerStatus !== 'ACTIVE') continue;
      const parsed = obsEventDataSchema.safeParse(trigger.eventData);
      if (parsed.success) out.push({ trigger, filter: parsed.data });
      else this.logger.warn({ triggerId: trigger.id }, 'OBS trigger skipped: its event_data is invalid');
    }
    return out;
  }
}

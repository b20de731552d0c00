import { Inject, Injectable, Logger } from '@nestjs/common';
import mqtt, { IClientOptions, MqttClient } from 'mqtt';
import { mqttEventDataSchema } from '@ofg/contracts';
import { TriggerEntity } from '@ofg/data-access';
import { TRIGGER_CONFIG, TriggerConfig } from '../../config/trigger.config';
import { Backoff, sleep, withDeadline } from '../backoff';
import {
  BindResult,
  EventSourceDriver,
  SourceBinding,
  SourceConsumer,
  sourceTriggerOf,
} from '../event-source.port';
import { failureReason, SourceInvocationService } from '../source-invocation.service';
import { SourceMetrics } from '../source.metrics';
import { buildMqttEvent, mqttSharedTopic } from './mqtt-event.mapper';

export interface MqttSourceConfig {
  url: string;
  topic: string;
  qos: 0 | 1;
  /** `$share/ofg-<trigger_id>/<topic>`. */
  subscription: string;
  /** This replica's persistent session: what it received and did not acknowledge comes back when it reconnects. */
  clientId: string;
}

export interface MqttConsumerDeps {
  delivery: Pick<SourceInvocationService, 'deliver'>;
  metrics: SourceMetrics;
  region: string;
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

/** How long the broker keeps a disconnected replica's session (its unacknowledged messages) for it to come back. */
export const MQTT_SESSION_EXPIRY_S = 86_400;

/** Broker client ids are at most this long here (Mosquitto takes more than MQTT 3.1.1's guaranteed 23). */
const MAX_CLIENT_ID = 128;

export function mqttClientId(instanceId: string, triggerId: string): string {
  return `ofg-${triggerId}-${instanceId}`.slice(0, MAX_CLIENT_ID);
}

/**
 * The consumer of one MQTT trigger in this replica: a persistent session (clean: false) in the trigger's shared
 * subscription. A QoS 1 message is acknowledged (PUBACK) only after its invocation was accepted; until then the
 * broker keeps it in flight and resends it when the session reconnects.
 */
export class MqttTopicConsumer implements SourceConsumer {
  private readonly logger = new Logger(MqttTopicConsumer.name);
  private readonly abort = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private client?: MqttClient;

  constructor(
    private readonly binding: SourceBinding<MqttSourceConfig>,
    private readonly deps: MqttConsumerDeps,
  ) {}

  start(): void {
    const { url, clientId, subscription, qos } = this.binding.config;
    const connect = this.deps.connect ?? mqtt.connect;
    const client = connect(url, {
      clientId,
      // MQTT 5: mqtt.js hands acknowledgement to the application only there; the session outlives a dead replica.
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: MQTT_SESSION_EXPIRY_S },
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      // PUBACK is sent by the handler once the invocation was accepted.
      customHandleAcks: (_topic, payload, packet, done) => {
        const work = this.handle(packet.topic, payload, packet.qos, packet.retain).then(
          (accepted) => {
            // A consumer stopping mid-way leaves the message unacknowledged: the session gets it again.
            if (accepted) done(0);
          },
          () => undefined,
        );
        this.track(work);
      },
    });
    client.on('connect', () => {
      // A resumed session keeps its subscription; subscribing again is harmless and covers a new one.
      client.subscribe(subscription, { qos }, (err) => {
        if (err) this.logger.warn({ triggerId: this.binding.trigger.id, err }, 'MQTT subscribe failed');
      });
    });
    // QoS 0 messages never reach customHandleAcks.
    client.on('message', (topic, payload, packet) => {
      if (packet.qos === 0) this.track(this.handle(topic, payload, 0, packet.retain));
    });
    client.on('error', (err) =>
      this.logger.debug(
        { triggerId: this.binding.trigger.id, err: err.message },
        'MQTT consumer connection error',
      ),
    );
    this.client = client;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await withDeadline(Promise.all([...this.inflight]), 10_000);
    const client = this.client;
    if (client) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }

  private track(work: Promise<unknown>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }

  /** True once the message's invocation was accepted; false when the consumer stopped first. */
  private async handle(topic: string, payload: Buffer, qos: number, retain: boolean): Promise<boolean> {
    const { trigger } = this.binding;
    this.deps.metrics.receivedMessages('MQTT', 1);
    const backoff = new Backoff();
    // MQTT packet ids are reused, so they identify nothing: a redelivered message is invoked again.
    const messages = [{ hop: 0 }];
    while (!this.abort.signal.aborted) {
      try {
        await this.deps.delivery.deliver(trigger, messages, () =>
          buildMqttEvent(this.deps.region, Date.now(), { topic, qos, retain, payload }),
        );
        return true;
      } catch (err) {
        if (this.abort.signal.aborted) break;
        this.deps.metrics.failed('MQTT', failureReason(err));
        const delay = backoff.next();
        this.logger.warn(
          { triggerId: trigger.id, err, retryInMs: delay },
          'MQTT message not accepted; retrying',
        );
        await sleep(delay, this.abort.signal);
      }
    }
    return false;
  }
}

/** MQTT triggers (extension): a topic filter of the MQTT broker at MQTT_URL, shared by every replica. */
@Injectable()
export class MqttEventSource implements EventSourceDriver<MqttSourceConfig> {
  readonly types = ['MQTT'] as const;
  private readonly logger = new Logger(MqttEventSource.name);

  constructor(
    @Inject(TRIGGER_CONFIG) private readonly config: TriggerConfig,
    private readonly delivery: SourceInvocationService,
    private readonly metrics: SourceMetrics,
  ) {}

  bind(trigger: TriggerEntity): BindResult<MqttSourceConfig> {
    const parsed = mqttEventDataSchema.safeParse(trigger.eventData);
    if (!parsed.success)
      return { ok: false, reason: parsed.error.issues[0]?.message ?? 'invalid event_data' };
    const { topic, qos } = parsed.data;
    const config: MqttSourceConfig = {
      url: this.config.sources.mqttUrl ?? 'mqtt://127.0.0.1:1883',
      topic,
      qos,
      subscription: mqttSharedTopic(trigger.id, topic),
      clientId: mqttClientId(this.config.sources.instanceId, trigger.id),
    };
    const source = sourceTriggerOf(trigger, 'MQTT', topic);
    return {
      ok: true,
      binding: {
        trigger: source,
        config,
        fingerprint: JSON.stringify([source, config]),
        resource: `${config.clientId}|${config.subscription}|${config.qos}`,
      },
    };
  }

  consumer(binding: SourceBinding<MqttSourceConfig>): MqttTopicConsumer {
    return new MqttTopicConsumer(binding, {
      delivery: this.delivery,
      metrics: this.metrics,
      region: this.config.region,
    });
  }

  /** Ends this replica's persistent session of the trigger (its subscription and messages in flight). */
  async release(binding: SourceBinding<MqttSourceConfig>): Promise<void> {
    const client = mqtt.connect(binding.config.url, {
      clientId: binding.config.clientId,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () => reject(new Error('MQTT connection closed')));
      });
    } finally {
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    }
    this.logger.log({ triggerId: binding.trigger.id }, 'MQTT session of the trigger ended');
  }

  /** Every connection is a consumer's own (or a release's), closed with it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

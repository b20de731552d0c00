import { INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { Logger } from 'nestjs-pino';
import { loadTriggerConfig, TriggerConfig } from './config/trigger.config';
import { redisTransportOptions } from './control/redis-transport.options';
import { TriggerModule } from './trigger.module';

/** How long boot waits for Redis before giving up (Nest's Redis listener never subscribes if its first connect fails). */
const REDIS_BOOT_WAIT_MS = 60_000;

/** Resolves once Redis answers PING; rejects after `timeoutMs`. */
export async function waitForRedis(redisUrl: string, timeoutMs = REDIS_BOOT_WAIT_MS): Promise<void> {
  const logger = new NestLogger('TriggerBoot');
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (err) {
      if (Date.now() >= deadline) throw new Error(`Redis unreachable for ${timeoutMs} ms: ${err instanceof Error ? err.message : String(err)}`);
      logger.warn(`waiting for Redis before listening for control events: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      probe.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5000, Math.max(0, deadline - Date.now()))));
  }
}

/**
 * Builds the trigger service with its control-event listener attached and started; the caller listens on HTTP
 * (main.ts on TRIGGER_PORT, tests on port 0). The timer worker starts itself once Postgres and Redis answer.
 */
export async function createTriggerApp(config: TriggerConfig = loadTriggerConfig()): Promise<INestApplication> {
  const app = await NestFactory.create(TriggerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.connectMicroservice(redisTransportOptions(config.redisUrl));
  try {
    await waitForRedis(config.redisUrl);
    await app.startAllMicroservices();
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}

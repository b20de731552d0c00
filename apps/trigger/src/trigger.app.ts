import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadTriggerConfig, TriggerConfig } from './config/trigger.config';
import { redisTransportOptions, waitForRedis } from '@ofg/queue';
import { TriggerModule } from './trigger.module';

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

import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadTriggerConfig, TriggerConfig } from './config/trigger.config';
import { listenForControlEvents } from '@ofg/queue';
import { TriggerModule } from './trigger.module';

/**
 * Builds the trigger service with its control-event listener attached and started; the caller listens on HTTP
 * (main.ts on TRIGGER_PORT, tests on port 0). The timer worker starts itself once Postgres and Redis answer.
 */
export async function createTriggerApp(
  config: TriggerConfig = loadTriggerConfig(),
): Promise<INestApplication> {
  const app = await NestFactory.create(TriggerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  await listenForControlEvents(app, config.redisUrl);
  return app;
}

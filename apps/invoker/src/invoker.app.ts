import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { listenForControlEvents } from '@ofg/queue';
import { InvokerConfig, loadInvokerConfig } from './config/invoker.config';
import { InvokerModule, InvokerModuleOverrides } from './invoker.module';

export interface InvokerAppOptions extends InvokerModuleOverrides {
  /** Settings to use instead of the process environment. */
  config?: InvokerConfig;
}

/** Builds the invoker (not yet listening): main.ts and end-to-end tests boot it the same way. */
export async function createInvokerApp(options: InvokerAppOptions = {}): Promise<INestApplication> {
  const config = options.config ?? loadInvokerConfig();
  const app = await NestFactory.create(InvokerModule.forRoot(config, options), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await listenForControlEvents(app, config.redisUrl);
  return app;
}

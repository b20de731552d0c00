import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { listenForControlEvents } from '@ofg/queue';
import { AppModule } from './app.module';
import { GatewayConfig, loadGatewayConfig } from './config/gateway.config';
import { FgsExceptionFilter } from './http/fgs-exception.filter';
import { rawBodyMiddleware } from './http/raw-body.middleware';
import { requestIdMiddleware } from './http/request-id.middleware';
import { allowedMethodsFrom } from './http/route-methods';
import { invokeFastLaneOf } from './invocations/invoke-fast-lane';
import { setupOpenApi } from './openapi/openapi.setup';

/** Above the 60 s idle timeout of common load balancers and undici's 4 s client default. */
const IDLE_KEEPALIVE_MS = 65_000;

/** Builds and initialises the gateway (main.ts listens on it; end-to-end tests drive it directly). */
export async function createGatewayApp(
  config: GatewayConfig = loadGatewayConfig(),
): Promise<INestApplication> {
  // Nest's body parsers are off: the raw bytes are needed for signatures and invocation events.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  const rawBody = rawBodyMiddleware({ maxBytes: config.maxBodyBytes });
  const filter = new FgsExceptionFilter(allowedMethodsFrom(app.getHttpAdapter().getInstance()));
  // Ahead of every other middleware and route: sync invocations skip the route table (see invoke-fast-lane.ts).
  app.use(invokeFastLaneOf(app, rawBody, filter));
  app.use(requestIdMiddleware);
  app.use(rawBody);
  app.useGlobalFilters(filter);
  app.enableShutdownHooks();
  setupOpenApi(app);
  // Control events from other replicas (function changes evict cached lookups).
  await listenForControlEvents(app, config.redisUrl);
  await app.init();
  // Idle keep-alive connections outlive the clients' and load balancers' own idle timeouts (Node's 5 s does not), so a
  // client never reuses a socket the gateway is closing at that moment ("other side closed").
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = IDLE_KEEPALIVE_MS;
  server.headersTimeout = IDLE_KEEPALIVE_MS + 1000;
  return app;
}

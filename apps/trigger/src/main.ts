import { loadTriggerConfig } from './config/trigger.config';
import { createTriggerApp } from './trigger.app';

async function bootstrap(): Promise<void> {
  const config = loadTriggerConfig();
  const app = await createTriggerApp(config);
  app.enableShutdownHooks();
  await app.listen(config.port);
}

bootstrap().catch((err: unknown) => {
  console.error('trigger service failed to start', err);
  process.exit(1);
});

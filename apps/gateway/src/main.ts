import { createGatewayApp } from './gateway.app';
import { loadGatewayConfig } from './config/gateway.config';

async function bootstrap(): Promise<void> {
  const config = loadGatewayConfig();
  const app = await createGatewayApp(config);
  await app.listen(config.port);
}

bootstrap().catch((err: unknown) => {
  console.error(
    JSON.stringify({
      level: 'fatal',
      msg: 'gateway failed to start',
      err: err instanceof Error ? err.message : String(err),
    }),
  );
  process.exit(1);
});

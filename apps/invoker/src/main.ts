import 'reflect-metadata';
import { InvokerConfig, InvokerConfigError, loadInvokerConfig } from './config/invoker.config';
import { createInvokerApp } from './invoker.app';

async function main(): Promise<void> {
  let config: InvokerConfig;
  try {
    config = loadInvokerConfig();
  } catch (err) {
    if (!(err instanceof InvokerConfigError)) throw err;
    // The logger is not up yet; one JSON line on stderr keeps the message readable in any log collector.
    console.error(JSON.stringify({ level: 'fatal', name: 'invoker', msg: err.message }));
    process.exit(1);
  }
  const app = await createInvokerApp({ config });
  await app.listen(config.port);
}

main().catch((err: unknown) => {
  console.error(
    JSON.stringify({
      level: 'fatal',
      name: 'invoker',
      msg: 'invoker failed to start',
      err: err instanceof Error ? err.stack : String(err),
    }),
  );
  process.exit(1);
});

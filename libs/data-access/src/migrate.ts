import { createDataSource } from './data-source';

/** One-shot migration step: `node migrate.js [up|down]` (docker compose `migrate` service, CI, Kubernetes Job). */
async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is required');
  const direction = process.argv[2] ?? 'up';
  const ds = createDataSource(url);
  await ds.initialize();
  try {
    if (direction === 'down') {
      await ds.undoLastMigration({ transaction: 'all' });
      console.log(JSON.stringify({ level: 'info', msg: 'reverted the last migration' }));
    } else {
      const applied = await ds.runMigrations({ transaction: 'all' });
      console.log(
        JSON.stringify({ level: 'info', msg: 'migrations applied', migrations: applied.map((m) => m.name) }),
      );
    }
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(JSON.stringify({ level: 'error', msg: 'migration failed', err: String(err) }));
  process.exit(1);
});

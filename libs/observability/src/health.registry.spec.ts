import { HealthRegistry } from './health.registry';

describe('HealthRegistry', () => {
  it('is ready only when every check passes, and names the failing one', async () => {
    const registry = new HealthRegistry();
    registry.register('postgres', async () => undefined);
    expect(await registry.run()).toEqual({ ok: true, checks: { postgres: { status: 'up' } } });
    registry.register('redis', async () => {
      throw new Error('ECONNREFUSED');
    });
    const result = await registry.run();
    expect(result.ok).toBe(false);
    expect(result.checks['redis']).toEqual({ status: 'down', error: 'ECONNREFUSED' });
  });

  it('fails a check that hangs past the timeout', async () => {
    const registry = new HealthRegistry();
    registry.register('docker', () => new Promise<void>(() => undefined));
    const result = await registry.run(50);
    expect(result.checks['docker']).toEqual({ status: 'down', error: 'timed out after 50 ms' });
  });

  it('runs only the named checks when asked, and lists the failing ones', async () => {
    const registry = new HealthRegistry();
    registry.register('postgres', async () => undefined);
    registry.register('worker', async () => {
      throw new Error('not started');
    });
    expect(await registry.failing(['postgres'])).toEqual([]);
    expect(await registry.failing(['postgres', 'worker'])).toEqual(['worker: not started']);
  });
});

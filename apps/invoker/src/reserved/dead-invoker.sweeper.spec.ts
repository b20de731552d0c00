import { Logger } from '@nestjs/common';
import { CONTAINER_LABELS } from '@ofg/contracts';
import { FakeContainerRuntime } from '@ofg/testing';
import { DeadInvokerSweeper } from './dead-invoker.sweeper';

describe('DeadInvokerSweeper', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it("removes the dead invoker's managed containers and nobody else's", async () => {
    const runtime = new FakeContainerRuntime();
    const labels = (invokerId: string): Record<string, string> => ({
      [CONTAINER_LABELS.managed]: 'true',
      [CONTAINER_LABELS.invokerId]: invokerId,
    });
    runtime.addLeftover('dead-1', labels('inv-dead'));
    runtime.addLeftover('dead-2', labels('inv-dead'));
    runtime.addLeftover('alive-1', labels('inv-alive'));
    runtime.addLeftover('unmanaged', { [CONTAINER_LABELS.invokerId]: 'inv-dead' });

    expect(await new DeadInvokerSweeper(runtime).sweep('inv-dead')).toBe(2);
    expect((await runtime.list({})).map((c) => c.id).sort()).toEqual(['alive-1', 'unmanaged']);
  });
});

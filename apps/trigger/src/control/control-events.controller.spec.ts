import { Logger } from '@nestjs/common';
import { SourceRegistryService } from '../sources/source-registry.service';
import { TimerSchedulerService } from '../timers/timer-scheduler.service';
import { ControlEventsController } from './control-events.controller';

function aController(reconcile: (id: string) => Promise<string>): {
  controller: ControlEventsController;
  calls: string[];
} {
  const calls: string[] = [];
  const scheduler = { reconcileTrigger: async (id: string) => (calls.push(`timer:${id}`), reconcile(id)) };
  const sources = { reconcileTrigger: async (id: string) => (calls.push(`source:${id}`), reconcile(id)) };
  return {
    controller: new ControlEventsController(
      scheduler as unknown as TimerSchedulerService,
      sources as unknown as SourceRegistryService,
    ),
    calls,
  };
}

describe('ControlEventsController', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('reconciles the trigger named by a trigger-changed event, as a timer and as a source', async () => {
    const { controller, calls } = aController(async () => 'created');
    await controller.onTriggerChanged({ triggerId: 't-1', projectId: 'p', action: 'upsert' });
    expect(calls.sort()).toEqual(['source:t-1', 'timer:t-1']);
  });

  it('ignores malformed events', async () => {
    const { controller, calls } = aController(async () => 'created');
    await controller.onTriggerChanged({ projectId: 'p' });
    await controller.onTriggerChanged('t-1');
    await controller.onTriggerChanged(null);
    expect(calls).toEqual([]);
  });

  it('swallows a failed reconcile, which the periodic reconcile retries', async () => {
    const { controller, calls } = aController(async () => {
      throw new Error('redis down');
    });
    await expect(
      controller.onTriggerChanged({ triggerId: 't-1', projectId: 'p', action: 'delete' }),
    ).resolves.toBeUndefined();
    expect(calls.sort()).toEqual(['source:t-1', 'timer:t-1']);
  });
});

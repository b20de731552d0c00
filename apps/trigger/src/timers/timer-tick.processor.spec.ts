import { Job, UnrecoverableError } from 'bullmq';
import { TimerTickJob } from '@ofg/contracts';
import type { TimerTick } from './timer-firing.service';
import { parseTimerTick, TimerTickProcessor } from './timer-tick.processor';

const TRIGGER_ID = '0b9c6a4e-1f4e-4d1c-8a57-6d0f5a1f2b3c';

function aJob(
  overrides: Partial<Pick<Job<TimerTickJob>, 'id' | 'data' | 'timestamp' | 'opts'>> = {},
): Job<TimerTickJob> {
  return {
    id: `repeat:${TRIGGER_ID}:1685579400000`,
    data: { triggerId: TRIGGER_ID, projectId: 'p1' },
    timestamp: 1685579399000,
    opts: { delay: 500 },
    ...overrides,
  } as Job<TimerTickJob>;
}

describe('parseTimerTick', () => {
  it('takes the scheduled time from the scheduler job id, not from when the job ran', () => {
    expect(parseTimerTick(aJob())).toEqual({
      triggerId: TRIGGER_ID,
      projectId: 'p1',
      scheduledAt: 1685579400000,
    });
  });

  it('falls back to creation time plus delay for jobs not made by this trigger scheduler', () => {
    expect(parseTimerTick(aJob({ id: '42' }))?.scheduledAt).toBe(1685579399500);
    expect(parseTimerTick(aJob({ id: 'repeat:other-trigger:1685579400000' }))?.scheduledAt).toBe(
      1685579399500,
    );
  });

  it('rejects payloads without trigger or project', () => {
    expect(parseTimerTick(aJob({ data: { triggerId: '', projectId: 'p1' } }))).toBeUndefined();
    expect(parseTimerTick(aJob({ data: { projectId: 'p1' } as TimerTickJob }))).toBeUndefined();
  });
});

describe('TimerTickProcessor.process', () => {
  it('hands the parsed tick to the handler and returns its outcome', async () => {
    const seen: TimerTick[] = [];
    const processor = new TimerTickProcessor(
      { fire: async (t) => (seen.push(t), 'invoked') },
      { redisUrl: 'redis://unused' },
    );
    await expect(processor.process(aJob())).resolves.toBe('invoked');
    expect(seen).toEqual([{ triggerId: TRIGGER_ID, projectId: 'p1', scheduledAt: 1685579400000 }]);
  });

  it('fails a malformed tick permanently instead of retrying it', async () => {
    const processor = new TimerTickProcessor({ fire: async () => 'invoked' }, { redisUrl: 'redis://unused' });
    await expect(processor.process(aJob({ data: {} as TimerTickJob }))).rejects.toBeInstanceOf(
      UnrecoverableError,
    );
  });
});

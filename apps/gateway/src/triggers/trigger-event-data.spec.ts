import { TRIGGER_TYPE_RULES } from '@ofg/contracts';
import { assertStatusAllowed, duplicateError, validateEventData } from './trigger-event-data';

describe('trigger event_data rules', () => {
  it('refuses DISABLED for types that cannot be disabled only', () => {
    expect(() => assertStatusAllowed('OBS', TRIGGER_TYPE_RULES.OBS, 'DISABLED')).toThrow(
      expect.objectContaining({ code: 'FSS.0400' }),
    );
    expect(() => assertStatusAllowed('OBS', TRIGGER_TYPE_RULES.OBS, 'ACTIVE')).not.toThrow();
    expect(() => assertStatusAllowed('APIG', TRIGGER_TYPE_RULES.APIG, 'DISABLED')).not.toThrow();
  });

  it('names the field in the type code error', () => {
    expect(() =>
      validateEventData('DIS', { stream_name: 's', sharditerator_type: 'LATEST', batch_size: 0 }),
    ).toThrow(
      expect.objectContaining({
        code: 'FSS.1104',
        message: expect.stringContaining('event_data.batch_size'),
      }),
    );
  });

  it('validates TIMER with the cron checks', () => {
    expect(() => validateEventData('TIMER', { name: 't', schedule_type: 'Cron', schedule: 'nope' })).toThrow(
      expect.objectContaining({ code: 'FSS.1109' }),
    );
  });

  it('answers the more specific code a type gives an issue (CTS FSS.1312-1318, Kafka FSS.1113)', () => {
    expect(() => validateEventData('CTS', { notification_name: '', operations: ['S:r:t'] })).toThrow(
      expect.objectContaining({ code: 'FSS.1312' }),
    );
    expect(() =>
      validateEventData('CTS', { notification_name: 'n', operations: ['S:r:t', 'S:r:t'] }),
    ).toThrow(expect.objectContaining({ code: 'FSS.1316' }));
    expect(() => validateEventData('CTS', { notification_name: 'a b', operations: ['S:r:t'] })).toThrow(
      expect.objectContaining({ code: 'FSS.1305' }),
    );
    expect(() =>
      validateEventData('KAFKA', { instance_id: 'i', topic_ids: ['t'], kafka_ssl_enable: true }),
    ).toThrow(expect.objectContaining({ code: 'FSS.1113' }));
  });

  it('says what collided', () => {
    const err = duplicateError('DIS', TRIGGER_TYPE_RULES.DIS, 's1');
    expect(err).toMatchObject({ code: 'FSS.1143', status: 409 });
    expect(err.message).toContain('same stream (s1)');
  });
});

import { SUPPORTED_TRIGGER_TYPES, TRIGGER_TYPE_CODES } from '../trigger.schemas';
import { apigEventDataSchema, dedicatedApigEventDataSchema } from './apig.event-data';
import { disEventDataSchema } from './dis.event-data';
import { dmsEventDataSchema } from './dms.event-data';
import { rabbitmqEventDataSchema } from './rabbitmq.event-data';
import { TRIGGER_TYPE_RULES, triggerTypeRule } from './trigger-type.rules';

const APIG = {
  group_id: 'g1',
  env_id: 'DEFAULT_ENVIRONMENT_RELEASE_ID',
  auth: 'NONE',
  protocol: 'HTTPS',
  name: 'API_echo',
  path: '/echo',
  match_mode: 'SWA',
  req_method: 'ANY',
  backend_type: 'FUNCTION',
  type: 1,
  sl_domain: 'g1.apig.local',
};

describe('TRIGGER_TYPE_RULES', () => {
  it('has a rule for every API type code, and a schema for every supported one', () => {
    for (const code of TRIGGER_TYPE_CODES) expect(triggerTypeRule(code)).toBeDefined();
    for (const code of SUPPORTED_TRIGGER_TYPES) expect(TRIGGER_TYPE_RULES[code].schema).toBeDefined();
    expect(triggerTypeRule('toString')).toBeUndefined();
  });

  it('uses the spec codes per type', () => {
    expect(TRIGGER_TYPE_RULES.TIMER).toMatchObject({
      invalidCode: 'FSS.1109',
      existsCode: 'FSS.1148',
      notFoundCode: 'FSS.1140',
    });
    expect(TRIGGER_TYPE_RULES.APIG).toMatchObject({
      invalidCode: 'FSS.1107',
      existsCode: 'FSS.1146',
      notFoundCode: 'FSS.1138',
    });
    expect(TRIGGER_TYPE_RULES.DIS).toMatchObject({
      invalidCode: 'FSS.1104',
      existsCode: 'FSS.1143',
      notFoundCode: 'FSS.1134',
    });
    expect(TRIGGER_TYPE_RULES.DMS).toMatchObject({ invalidCode: 'FSS.1103', existsCode: 'FSS.1142' });
    expect(TRIGGER_TYPE_RULES.OBS).toMatchObject({ invalidCode: 'FSS.1106', existsCode: 'FSS.1145' });
  });

  it('starts DDS and KAFKA disabled and everything else active (spec §4.2)', () => {
    const disabled = TRIGGER_TYPE_CODES.filter((c) => TRIGGER_TYPE_RULES[c].defaultStatus === 'DISABLED');
    expect(disabled.sort()).toEqual(['DDS', 'KAFKA']);
  });

  it('lets the spec list plus the types served here be disabled', () => {
    const can = TRIGGER_TYPE_CODES.filter((c) => TRIGGER_TYPE_RULES[c].canDisable);
    expect(can.sort()).toEqual(
      [
        ...['APIC', 'APIG', 'DDS', 'DEDICATEDGATEWAY', 'DIS', 'DMS', 'KAFKA', 'LTS', 'RABBITMQ', 'TIMER'],
        // The MQTT and NATS extensions.
        ...['MQTT', 'NATS'],
      ].sort(),
    );
  });

  it('names triggers by what makes two of them duplicates', () => {
    expect(TRIGGER_TYPE_RULES.DIS.nameOf({ stream_name: 's1' })).toBe('s1');
    expect(TRIGGER_TYPE_RULES.DMS.nameOf({ queue_id: 'q', consumer_group_id: 'g' })).toBe('q/g');
    expect(TRIGGER_TYPE_RULES.RABBITMQ.nameOf({ exchange_name: 'ex', routing_key: 'a.#' })).toBe('/ex/a.#/');
    const long = TRIGGER_TYPE_RULES.RABBITMQ.nameOf({ exchange_name: 'ex', routing_key: 'k'.repeat(255) });
    const other = TRIGGER_TYPE_RULES.RABBITMQ.nameOf({
      exchange_name: 'ex',
      routing_key: `${'k'.repeat(254)}j`,
    });
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).not.toBe(other);
  });
});

describe('event_data schemas', () => {
  it('applies the DIS defaults and bounds', () => {
    expect(disEventDataSchema.parse({ stream_name: 's-1', sharditerator_type: 'LATEST' })).toEqual({
      stream_name: 's-1',
      sharditerator_type: 'LATEST',
      batch_size: 100,
      polling_interval: 30,
    });
    expect(disEventDataSchema.safeParse({ stream_name: 's', sharditerator_type: 'OLDEST' }).success).toBe(
      false,
    );
    expect(
      disEventDataSchema.safeParse({ stream_name: 's', sharditerator_type: 'LATEST', batch_size: 10_001 })
        .success,
    ).toBe(false);
    expect(disEventDataSchema.safeParse({ stream_name: 'a b', sharditerator_type: 'LATEST' }).success).toBe(
      false,
    );
  });

  it('applies the DMS and RABBITMQ defaults', () => {
    expect(dmsEventDataSchema.parse({ queue_id: 'q', consumer_group_id: 'g' })).toEqual({
      queue_id: 'q',
      consumer_group_id: 'g',
      polling_interval: 30,
    });
    expect(rabbitmqEventDataSchema.parse({ exchange_name: 'ex' })).toEqual({
      exchange_name: 'ex',
      batch_size: 10,
    });
    expect(rabbitmqEventDataSchema.safeParse({ exchange_name: 'ex', batch_size: 101 }).success).toBe(false);
    expect(rabbitmqEventDataSchema.safeParse({ routing_key: '#' }).success).toBe(false);
  });

  it('accepts the APIG example and defaults env_name to RELEASE', () => {
    expect(apigEventDataSchema.parse(APIG)).toMatchObject({ ...APIG, env_name: 'RELEASE' });
  });

  it.each([
    ['APP auth', { auth: 'APP' }],
    ['a backend other than FUNCTION', { backend_type: 'HTTP' }],
    ['type 2', { type: 2 }],
    ['a path template', { path: '/users/{id}' }],
    ['a relative path', { path: 'echo' }],
    ['an unknown method', { req_method: 'TRACE' }],
    ['async invocation', { func_info: { invocation_type: 'async' } }],
  ])('refuses %s', (_label, change) => {
    expect(apigEventDataSchema.safeParse({ ...APIG, ...change }).success).toBe(false);
  });

  it('requires instance_id for dedicated gateways only', () => {
    expect(apigEventDataSchema.safeParse(APIG).success).toBe(true);
    expect(dedicatedApigEventDataSchema.safeParse(APIG).success).toBe(false);
    expect(dedicatedApigEventDataSchema.safeParse({ ...APIG, instance_id: 'i-1' }).success).toBe(true);
  });
});

import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { ctsOperationOf, ctsStreamKey, CtsTrace, CtsTriggerEvent } from '@ofg/contracts';
import {
  REDIS_URL,
  StreamReplicas,
  aStreamTrigger,
  groupExists,
  pendingCount,
} from '../redis-stream/stream-spec.support';
import { eventually, RecordingDelivery } from '../testing/recording-delivery';
import { ctsMatches } from './cts-event.mapper';
import { CtsEventSource, CtsSourceConfig } from './cts.source';

jest.setTimeout(30_000);

const PROJECT = `cts${randomBytes(6).toString('hex')}`;
const KEY = ctsStreamKey(PROJECT);

function aTrace(resourceType: string, traceName: string, resourceName: string): CtsTrace {
  return {
    time: 1700000000000,
    user: { name: 'alice', id: 'u1', domain: { name: 'd1', id: 'd1' } },
    request: {},
    response: { func_name: resourceName },
    code: 200,
    service_type: 'FunctionGraph',
    resource_type: resourceType,
    resource_name: resourceName,
    resource_id: `id-${resourceName}`,
    trace_name: traceName,
    trace_type: 'ApiCall',
    record_time: 1700000000000,
    trace_id: `t-${resourceName}`,
    trace_status: 'normal',
  };
}

const fieldsOf = (trace: CtsTrace, operation = ctsOperationOf(trace)) =>
  new Map([
    ['operation', Buffer.from(operation)],
    ['trace', Buffer.from(JSON.stringify(trace))],
  ]);

describe('CTS operation filter', () => {
  const ops = new Set(['FunctionGraph:function:createFunction']);

  it('matches the record operation exactly and case-sensitively', () => {
    expect(ctsMatches(ops, { id: '1-0', fields: fieldsOf(aTrace('function', 'createFunction', 'a')) })).toBe(
      true,
    );
    expect(ctsMatches(ops, { id: '1-0', fields: fieldsOf(aTrace('function', 'deleteFunction', 'a')) })).toBe(
      false,
    );
    expect(ctsMatches(ops, { id: '1-0', fields: fieldsOf(aTrace('function', 'createfunction', 'a')) })).toBe(
      false,
    );
    expect(ctsMatches(ops, { id: '1-0', fields: fieldsOf(aTrace('version', 'createFunction', 'a')) })).toBe(
      false,
    );
  });

  it('derives the operation from the trace when the entry has none, and skips unreadable traces', () => {
    const trace = aTrace('function', 'createFunction', 'a');
    expect(
      ctsMatches(ops, { id: '1-0', fields: new Map([['trace', Buffer.from(JSON.stringify(trace))]]) }),
    ).toBe(true);
    const broken = new Map([
      ['operation', Buffer.from('FunctionGraph:function:createFunction')],
      ['trace', Buffer.from('{not json')],
    ]);
    expect(ctsMatches(ops, { id: '1-0', fields: broken })).toBe(false);
  });
});

describe('CTS triggers on the audit stream', () => {
  let redis: Redis;
  let replicas: StreamReplicas<CtsSourceConfig>;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  beforeEach(() => {
    replicas = new StreamReplicas<CtsSourceConfig>(CtsEventSource);
  });
  afterEach(() => replicas.stopAll());
  afterAll(async () => {
    await redis.del(KEY);
    await redis.quit();
  });

  const audit = (trace: CtsTrace) =>
    redis.xadd(
      KEY,
      '*',
      'operation',
      ctsOperationOf(trace),
      'trace',
      JSON.stringify(trace),
    ) as Promise<string>;
  const namesOf = (delivery: RecordingDelivery) =>
    delivery.calls.map((c) => (c.event as CtsTriggerEvent).cts.resource_name);

  it('invokes once per record of a listed operation with {"cts": trace}, acking the others unread', async () => {
    const delivery = new RecordingDelivery();
    const trigger = aStreamTrigger('CTS', PROJECT, {
      notification_name: 'watch',
      operations: ['FunctionGraph:function:createFunction', 'FunctionGraph:trigger:deleteTrigger'],
    });
    replicas.consume(replicas.replica('replica-a', delivery), trigger);
    await eventually(() => groupExists(redis, KEY), Boolean, 'the consumer group');
    const created = aTrace('function', 'createFunction', 'a');
    await audit(created);
    await audit(aTrace('function', 'updateFunctionCode', 'b'));
    await audit(aTrace('trigger', 'deleteTrigger', 'c'));
    await audit(aTrace('alias', 'createVersionAlias', 'd'));
    const last = await audit(aTrace('function', 'createFunction', 'e'));
    await eventually(
      () => delivery.accepted,
      (n) => n === 3,
      'three invocations',
    );
    await eventually(
      async () => (await redis.xinfo('GROUPS', KEY)) as unknown[][],
      (groups) => groups[0].includes(last) && Number(groups[0][groups[0].indexOf('pending') + 1]) === 0,
      'every record read and acked',
    );
    expect(namesOf(delivery)).toEqual(['a', 'c', 'e']);
    expect(delivery.calls[0].event).toEqual({ cts: created });
    expect(delivery.calls.every((c) => c.keys.length === 1)).toBe(true);
  });

  it('redelivers a record whose consumer died before its ack, and shares the stream between replicas', async () => {
    const victimDelivery = new RecordingDelivery();
    victimDelivery.plan.push('hang');
    const trigger = aStreamTrigger('CTS', PROJECT, {
      notification_name: 'shared',
      operations: ['FunctionGraph:function:deleteFunction'],
    });
    const victim = replicas.consume(replicas.replica('victim', victimDelivery, 400), trigger);
    await eventually(
      async () =>
        ((await redis.xinfo('GROUPS', KEY)) as unknown[][]).some((g) =>
          g.includes(`ofg-trigger-${trigger.id}`),
        ),
      Boolean,
      'the consumer group',
    );
    await audit(aTrace('function', 'deleteFunction', 'x'));
    await eventually(
      () => victimDelivery.calls.length,
      (n) => n === 1,
      'the victim receiving it',
    );
    const other = new RecordingDelivery();
    replicas.consume(replicas.replica('other', other, 60_000), trigger);
    await audit(aTrace('function', 'deleteFunction', 'y'));
    await eventually(
      () => other.accepted,
      (n) => n === 1,
      'the other replica taking the next record',
    );
    expect(namesOf(other)).toEqual(['y']);
    replicas.kill(victim);
    const survivor = new RecordingDelivery();
    replicas.consume(replicas.replica('survivor', survivor, 400), trigger);
    await eventually(
      () => survivor.accepted,
      (n) => n === 1,
      "the survivor taking the victim's record over",
    );
    expect(namesOf(survivor)).toEqual(['x']);
    await eventually(
      () => pendingCount(redis, KEY, trigger.id),
      (n) => n === 0,
      'acked',
    );
  });
});

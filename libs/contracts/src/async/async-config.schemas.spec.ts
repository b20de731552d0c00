import { FgsError } from '../errors/error-code';
import {
  disStreamKey,
  obsObjectKey,
  parseAsyncDestination,
  smnTopicStreamKey,
  updateAsyncInvokeConfigSchema,
} from './async-config.schemas';
import { formatAsyncInvocationTime, parseAsyncInvocationTime } from './async-invocation.contracts';

function failure(fn: () => unknown): FgsError {
  try {
    fn();
  } catch (err) {
    return err as FgsError;
  }
  throw new Error('expected a failure');
}

describe('async notification destinations', () => {
  it.each([
    ['FunctionGraph', { func_urn: 'urn:fss:local:p:function:default:next:latest' }],
    ['DIS', { stream_name: 'results_1' }],
    ['OBS', { bucket: 'fgs-invoke', prefix: '/function1/', expires: 1 }],
    ['OBS', { bucket: 'a.b-c' }],
    ['SMN', { topic_urn: 'urn:smn:local:0123abcd:results' }],
    ['WEBHOOK', { url: 'https://hooks.example.com/ofg?x=1' }],
  ])('parses a %s param', (destination, param) => {
    expect(parseAsyncDestination({ destination, param: JSON.stringify(param) }, 'on_success')).toEqual({
      destination,
      param,
    });
  });

  it.each([
    ['an unknown type', 'KAFKA', '{}', 'on_success.destination: must be one of'],
    ['the wrong case', 'functiongraph', '{"func_urn":"x"}', 'on_success.destination'],
    ['a param that is no JSON', 'DIS', 'stream_name=a', 'on_success.param: must be a JSON object string'],
    ['a missing key', 'FunctionGraph', '{}', 'on_success.param.func_urn for FunctionGraph'],
    ['an unknown key', 'DIS', '{"stream_name":"a","x":1}', 'on_success.param for DIS'],
    ['a bad stream name', 'DIS', '{"stream_name":"a b"}', 'on_success.param.stream_name'],
    ['an upper-case bucket', 'OBS', '{"bucket":"Bucket"}', 'on_success.param.bucket'],
    ['an expiry over 365 days', 'OBS', '{"bucket":"abc","expires":366}', 'on_success.param.expires'],
    ['a negative expiry', 'OBS', '{"bucket":"abc","expires":-1}', 'on_success.param.expires'],
    ['a topic that is no SMN URN', 'SMN', '{"topic_urn":"arn:aws:sns:x"}', 'on_success.param.topic_urn'],
    ['a webhook to a non-HTTP URL', 'WEBHOOK', '{"url":"file:///etc/passwd"}', 'on_success.param.url'],
    ['a param array', 'DIS', '["a"]', 'on_success.param for DIS'],
  ])('refuses %s with FSS.0400', (_label, destination, param, message) => {
    const err = failure(() => parseAsyncDestination({ destination, param }, 'on_success'));
    expect(err).toBeInstanceOf(FgsError);
    expect(err.code).toBe('FSS.0400');
    expect(err.message).toContain(message);
  });
});

describe('destination mapping', () => {
  it('names the Redis Streams and the object of DIS, SMN and OBS', () => {
    expect(disStreamKey('p1', 'results')).toBe('ofg:dis:p1:results');
    expect(smnTopicStreamKey('urn:smn:local:p1:alerts')).toBe('ofg:smn:p1:alerts');
    expect(smnTopicStreamKey('urn:smn:local')).toBeUndefined();
    expect(obsObjectKey({ bucket: 'b', prefix: '/f1/' }, 'r1')).toBe('/f1/r1.json');
    expect(obsObjectKey({ bucket: 'b' }, 'r1')).toBe('r1.json');
  });
});

describe('the async config body', () => {
  it('keeps the request table ranges: age 1-86400 s, retries 0-3', () => {
    const ok = (body: unknown) => updateAsyncInvokeConfigSchema.safeParse(body).success;
    expect(ok({ max_async_event_age_in_seconds: 1, max_async_retry_attempts: 0 })).toBe(true);
    expect(ok({ max_async_event_age_in_seconds: 86_400, max_async_retry_attempts: 3 })).toBe(true);
    expect(ok({ max_async_event_age_in_seconds: 0 })).toBe(false);
    expect(ok({ max_async_event_age_in_seconds: 86_401 })).toBe(false);
    expect(ok({ max_async_event_age_in_seconds: 1.5 })).toBe(false);
    expect(ok({ max_async_retry_attempts: 4 })).toBe(false);
    expect(ok({ max_async_retry_attempts: -1 })).toBe(false);
    expect(ok({ enable_async_status_log: 'yes' })).toBe(false);
  });

  it('ignores the SDK LTS fields and accepts null destinations', () => {
    const parsed = updateAsyncInvokeConfigSchema.parse({
      log_group_id: 'g',
      destination_config: { on_success: null },
    });
    expect(parsed).toEqual({ destination_config: { on_success: null } });
  });
});

describe('async invocation times', () => {
  it('prints and reads yyyy-MM-ddTHH:mm:ss in UTC', () => {
    const date = new Date('2024-05-06T07:08:09.123Z');
    expect(formatAsyncInvocationTime(date)).toBe('2024-05-06T07:08:09');
    expect(parseAsyncInvocationTime('2024-05-06T07:08:09')?.toISOString()).toBe('2024-05-06T07:08:09.000Z');
    expect(parseAsyncInvocationTime('2024-05-06T09:08:09+02:00')?.toISOString()).toBe(
      '2024-05-06T07:08:09.000Z',
    );
    expect(parseAsyncInvocationTime('2024-05-06T07:08:09.5Z')?.toISOString()).toBe(
      '2024-05-06T07:08:09.500Z',
    );
  });

  it.each(['', 'yesterday', '2024-02-30T00:00:00', '2024-05-06', '1714978089'])('refuses %j', (text) => {
    expect(parseAsyncInvocationTime(text)).toBeUndefined();
  });
});

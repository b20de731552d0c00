import { InvocationReply } from '@ofg/contracts';
import {
  funcErrorCode,
  parseLogType,
  parseRequestVersion,
  renderSyncReply,
  tailLog,
} from './invoke-response';

function aReply(overrides: Partial<InvocationReply> = {}): InvocationReply {
  return {
    requestId: 'req-1',
    outcome: 'success',
    result: '{"ok":true}',
    log: 'line 1\nline 2\n',
    durationMs: 12.34567,
    billingDurationMs: 13,
    memorySizeMb: 128,
    memoryUsedMb: 41.56789,
    startKind: 'warm',
    invokerId: 'inv-1',
    ...overrides,
  };
}

describe('header parsing', () => {
  it('reads the request version, defaulting to v0', () => {
    expect(parseRequestVersion('v1')).toBe('v1');
    expect(parseRequestVersion('V1')).toBe('v1');
    expect(parseRequestVersion('v0')).toBe('v0');
    expect(parseRequestVersion(undefined)).toBe('v0');
    expect(parseRequestVersion('v7')).toBe('v0');
  });

  it('reads the log type', () => {
    expect(parseLogType('tail')).toBe('tail');
    expect(parseLogType(['Tail'])).toBe('tail');
    expect(parseLogType('null')).toBe('none');
    expect(parseLogType(undefined)).toBe('none');
  });
});

describe('tailLog', () => {
  it('keeps short logs whole', () => {
    expect(tailLog('abc', 10)).toBe('abc');
  });

  it('keeps the last bytes and never splits a UTF-8 character', () => {
    const log = 'a'.repeat(10) + 'é'.repeat(5);
    const tail = tailLog(log, 5);
    expect(tail).toBe('éé');
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(5);
    expect(tailLog('xyz€', 4)).toBe('z€');
  });
});

describe('funcErrorCode', () => {
  it('is 0 on success, 4036 on timeout, 4001 by default', () => {
    expect(funcErrorCode(aReply())).toBe(0);
    expect(funcErrorCode(aReply({ outcome: 'timeout' }))).toBe(4036);
    expect(funcErrorCode(aReply({ outcome: 'function_error', result: '{"errorMessage":"boom"}' }))).toBe(
      4001,
    );
    expect(funcErrorCode(aReply({ outcome: 'function_error', result: 'not json' }))).toBe(4001);
  });

  it('uses a known code the error object carries', () => {
    expect(funcErrorCode(aReply({ outcome: 'function_error', result: '{"errorCode":4037}' }))).toBe(4037);
    expect(funcErrorCode(aReply({ outcome: 'function_error', result: '{"errorCode":999}' }))).toBe(4001);
  });
});

describe('renderSyncReply', () => {
  it('renders v0 as the raw result with the summary headers', () => {
    const out = renderSyncReply(aReply(), { version: 'v0', logType: 'none', funcDigest: 'd1' });
    expect(out.status).toBe(200);
    expect(out.body).toBe('{"ok":true}');
    expect(out.headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(out.headers['X-Cff-Request-Id']).toBe('req-1');
    expect(out.headers['X-Cff-Response-Version']).toBe('v0');
    expect(out.headers['X-Func-Err-Code']).toBe('0');
    expect(out.headers['X-Is-Func-Err']).toBe('false');
    expect(out.headers['X-CFF-Billing-Duration']).toBe('13');
    expect(JSON.parse(out.headers['X-Cff-Invoke-Summary'])).toEqual({
      funcDigest: 'd1',
      duration: 12.346,
      billingDuration: 13,
      memorySize: 128,
      memoryUsed: 41.568,
    });
    expect(out.headers['X-Cff-Function-Log']).toBeUndefined();
  });

  it('renders v1 as the JSON envelope with the log tail when asked', () => {
    const out = renderSyncReply(aReply(), { version: 'v1', logType: 'tail', funcDigest: 'd1' });
    expect(JSON.parse(out.body)).toEqual({
      request_id: 'req-1',
      result: '{"ok":true}',
      log: 'line 1\nline 2\n',
      status: 200,
    });
    expect(Buffer.from(out.headers['X-Cff-Function-Log'], 'base64').toString()).toBe('line 1\nline 2\n');
    expect(out.headers['X-Cff-Response-Version']).toBe('v1');
  });

  it('renders v1 without the log unless tail was asked', () => {
    expect(
      JSON.parse(renderSyncReply(aReply(), { version: 'v1', logType: 'none', funcDigest: 'd' }).body).log,
    ).toBe('');
  });

  it('answers a function error with HTTP 200, X-Is-Func-Err and v1 status 500', () => {
    const reply = aReply({
      outcome: 'function_error',
      result: '{"errorMessage":"boom","errorType":"Error"}',
    });
    const v1 = renderSyncReply(reply, { version: 'v1', logType: 'none', funcDigest: 'd' });
    expect(v1.status).toBe(200);
    expect(v1.headers['X-Is-Func-Err']).toBe('true');
    expect(v1.headers['X-Func-Err-Code']).toBe('4001');
    expect(JSON.parse(v1.body).status).toBe(500);
    const v0 = renderSyncReply(aReply({ outcome: 'timeout', result: '{"errorMessage":"timed out"}' }), {
      version: 'v0',
      logType: 'none',
      funcDigest: 'd',
    });
    expect(v0.status).toBe(200);
    expect(v0.headers['X-Func-Err-Code']).toBe('4036');
    expect(v0.body).toBe('{"errorMessage":"timed out"}');
  });

  it('answers a platform error with its status and error body', () => {
    const out = renderSyncReply(
      aReply({
        outcome: 'platform_error',
        errorCode: 'FSS.0503',
        result: '{"error_code":"FSS.0503","error_msg":"no capacity"}',
      }),
      {
        version: 'v1',
        logType: 'tail',
        funcDigest: 'd',
      },
    );
    expect(out.status).toBe(503);
    expect(JSON.parse(out.body)).toEqual({ error_code: 'FSS.0503', error_msg: 'no capacity' });
    const unknown = renderSyncReply(aReply({ outcome: 'platform_error', errorCode: 'XYZ', result: '' }), {
      version: 'v0',
      logType: 'none',
      funcDigest: 'd',
    });
    expect(unknown.status).toBe(500);
    expect(JSON.parse(unknown.body).error_code).toBe('FSS.0500');
  });

  it("passes a 4xx start failure's own message on, and keeps server faults generic", () => {
    const options = { version: 'v1' as const, logType: 'none' as const, funcDigest: 'd' };
    const missing = renderSyncReply(
      aReply({
        outcome: 'platform_error',
        errorCode: 'FSS.1035',
        result: '{"errorMessage":"Image team/app:1 not found","errorType":"PlatformError"}',
      }),
      options,
    );
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body)).toEqual({
      error_code: 'FSS.1035',
      error_msg: 'Image team/app:1 not found',
    });
    const internal = renderSyncReply(
      aReply({
        outcome: 'platform_error',
        errorCode: 'FSS.0500',
        result: '{"errorMessage":"connect ECONNREFUSED /var/run/docker.sock","errorType":"PlatformError"}',
      }),
      options,
    );
    expect(JSON.parse(internal.body).error_msg).toBe('Internal service error');
  });
});

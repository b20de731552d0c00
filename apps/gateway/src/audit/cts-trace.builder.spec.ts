import { FGS_ACTIONS } from '@ofg/contracts';
import { AuditedCall, buildCtsTrace } from './cts-trace.builder';

const PROJECT = '0123456789abcdef0123456789abcdef';
const URN = `urn:fss:local:${PROJECT}:function:default:hello`;

function call(overrides: Partial<AuditedCall>): AuditedCall {
  return {
    action: FGS_ACTIONS.functionCreate,
    params: { project_id: PROJECT },
    body: {},
    result: undefined,
    status: 200,
    projectId: PROJECT,
    domainId: 'dom-1',
    userId: 'u-1',
    userName: 'alice',
    region: 'local',
    now: 1_900_000_000_000,
    traceId: 't-1',
    ...overrides,
  };
}

describe('buildCtsTrace', () => {
  it('writes the §5.7 CTS shape for a created function, without the code or environment', () => {
    const trace = buildCtsTrace(
      call({
        body: {
          func_name: 'hello',
          runtime: 'Node.js20.15',
          func_code: { file: 'UEsD' },
          user_data: '{"K":"secret"}',
        },
        result: {
          func_urn: `${URN}:latest`,
          func_name: 'hello',
          version: 'latest',
          user_data: '{"K":"secret"}',
        },
      }),
    );
    expect(trace).toEqual({
      time: 1_900_000_000_000,
      user: { name: 'alice', id: 'u-1', domain: { name: 'dom-1', id: 'dom-1' } },
      request: { func_name: 'hello', runtime: 'Node.js20.15' },
      response: { func_urn: `${URN}:latest`, func_name: 'hello', version: 'latest' },
      code: 200,
      service_type: 'FunctionGraph',
      resource_type: 'function',
      resource_name: 'hello',
      resource_id: `${URN}:latest`,
      trace_name: 'createFunction',
      trace_type: 'ApiCall',
      record_time: 1_900_000_000_000,
      trace_id: 't-1',
      trace_status: 'normal',
    });
    expect(JSON.stringify(trace)).not.toContain('secret');
  });

  it.each([
    [
      FGS_ACTIONS.functionUpdateCode,
      { function_urn: 'hello' },
      { func_urn: URN, func_name: 'hello' },
      'function',
      'updateFunctionCode',
      'hello',
      URN,
    ],
    [
      FGS_ACTIONS.functionUpdateConfig,
      { function_urn: 'hello' },
      { func_urn: URN, func_name: 'hello' },
      'function',
      'updateFunctionConfig',
      'hello',
      URN,
    ],
    [
      FGS_ACTIONS.functionDelete,
      { function_urn: `${URN}:v2` },
      undefined,
      'function',
      'deleteFunction',
      'hello',
      `${URN}:v2`,
    ],
    [
      FGS_ACTIONS.functionCreateVersion,
      { function_urn: 'hello' },
      { func_urn: `${URN}:v1`, version: 'v1' },
      'version',
      'publishFunctionVersion',
      'v1',
      `${URN}:v1`,
    ],
    [
      FGS_ACTIONS.functionCreateAlias,
      { function_urn: 'hello' },
      { name: 'live', alias_urn: `${URN}:!live` },
      'alias',
      'createVersionAlias',
      'live',
      `${URN}:!live`,
    ],
    [
      FGS_ACTIONS.functionDeleteAlias,
      { function_urn: 'default:hello', alias_name: 'live' },
      undefined,
      'alias',
      'deleteVersionAlias',
      'live',
      `${URN}:!live`,
    ],
    [
      FGS_ACTIONS.triggerCreate,
      { function_urn: 'hello' },
      { trigger_id: 'tr-1', trigger_type_code: 'OBS' },
      'trigger',
      'createTrigger',
      'OBS',
      'tr-1',
    ],
    [
      FGS_ACTIONS.triggerDelete,
      { function_urn: 'hello', trigger_type_code: 'TIMER', trigger_id: 'tr-2' },
      undefined,
      'trigger',
      'deleteTrigger',
      'TIMER',
      'tr-2',
    ],
    [
      FGS_ACTIONS.triggerDeleteSpecifiedFunctionTriggers,
      { function_urn: 'hello' },
      undefined,
      'trigger',
      'deleteFunctionTriggers',
      'hello',
      URN,
    ],
  ])('%s → %s/%s', (action, params, result, type, traceName, name, id) => {
    const trace = buildCtsTrace(call({ action, params: { project_id: PROJECT, ...params }, result }));
    expect(trace).toMatchObject({
      resource_type: type,
      trace_name: traceName,
      resource_name: name,
      resource_id: id,
    });
    expect(trace?.request).not.toHaveProperty('project_id');
  });

  it('names a status-only trigger update an enable or a disable', () => {
    const update = (body: unknown) =>
      buildCtsTrace(
        call({ action: FGS_ACTIONS.triggerUpdate, params: { function_urn: 'hello', trigger_id: 't' }, body }),
      )?.trace_name;
    expect(update({ trigger_status: 'DISABLED' })).toBe('disableTrigger');
    expect(update({ trigger_status: 'ACTIVE' })).toBe('enableTrigger');
    expect(update({ trigger_status: 'ACTIVE', event_data: {} })).toBe('updateTrigger');
  });

  it('ignores calls that change nothing audited', () => {
    expect(buildCtsTrace(call({ action: FGS_ACTIONS.functionInvoke }))).toBeUndefined();
    expect(buildCtsTrace(call({ action: FGS_ACTIONS.functionList }))).toBeUndefined();
  });
});

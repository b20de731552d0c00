import { FgsError } from '@ofg/contracts';
import type { FunctionRepository, InvocationLogFilter, InvocationMetricsRepository } from '@ofg/data-access';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { LogsService } from './logs.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const OTHER = 'fedcba9876543210fedcba9876543210';
const auth = { projectId: PROJECT, domainId: 'dom', userId: 'u', method: 'token' as const };
const URN = `urn:fss:local:${PROJECT}:function:default:hello`;

function setup() {
  const fn = aFunctionEntity({ projectId: PROJECT });
  const other = aFunctionEntity({
    id: '11111111-2222-4333-8444-555555555555',
    projectId: PROJECT,
    funcName: 'other',
  });
  const functions = {
    findByName: async (projectId: string, pkg: string, name: string) =>
      [fn, other].find((f) => f.projectId === projectId && f.package === pkg && f.funcName === name) ?? null,
  } as unknown as FunctionRepository;
  const calls: {
    projectId: string;
    functionId: string;
    filter: InvocationLogFilter;
    offset: number;
    limit: number;
  }[] = [];
  const records = {
    listLogs: async (
      projectId: string,
      functionId: string,
      filter: InvocationLogFilter,
      offset: number,
      limit: number,
    ) => {
      calls.push({ projectId, functionId, filter, offset, limit });
      return {
        items: [
          {
            requestId: 'r2',
            qualifier: 'latest',
            invokeType: 'sync',
            status: 'SUCCESS',
            errorMessage: '',
            log: 'hello',
            durationMs: 12.5,
            memoryUsedMb: 30,
            startTime: new Date('2030-01-01T00:00:01.250Z'),
            endTime: new Date('2030-01-01T00:00:01.263Z'),
            createdAt: new Date('2030-01-01T00:00:02Z'),
          },
          {
            requestId: 'r1',
            qualifier: 'latest',
            invokeType: 'async',
            status: 'WAIT',
            errorMessage: '',
            log: '',
            durationMs: null,
            memoryUsedMb: null,
            startTime: null,
            endTime: null,
            createdAt: new Date('2030-01-01T00:00:00Z'),
          },
        ],
        total: 7,
      };
    },
  } as unknown as InvocationMetricsRepository;
  return { service: new LogsService(records, new FunctionResolver(functions)), calls, fn, other };
}

async function codeOf(call: Promise<unknown>): Promise<string | undefined> {
  return call.then(
    () => undefined,
    (err: unknown) => (err instanceof FgsError ? err.code : String(err)),
  );
}

describe('LogsService', () => {
  it('names one stable group per project and one stream per function', async () => {
    const { service, fn, other } = setup();
    const detail = await service.ltsLogDetail(auth, URN);
    expect(detail).toEqual({
      group_name: `functiongraph.log.group.${PROJECT}`,
      group_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      stream_id: fn.id,
      stream_name: 'functiongraph.log.stream.default.hello',
    });
    const again = await service.ltsLogDetail(auth, `${URN}:latest`);
    expect(again).toEqual(detail);
    const second = await service.ltsLogDetail(auth, 'other');
    expect(second.group_id).toBe(detail.group_id);
    expect(second.stream_id).toBe(other.id);
  });

  it('answers an unknown function, another tenant and a bad URN like the rest of the API', async () => {
    const { service } = setup();
    expect(await codeOf(service.ltsLogDetail(auth, 'nosuch'))).toBe('FSS.1051');
    expect(await codeOf(service.ltsLogDetail(auth, `urn:fss:local:${OTHER}:function:default:hello`))).toBe(
      'FSS.1051',
    );
    expect(await codeOf(service.list(auth, 'urn:fss:local', {}))).toBe('FSS.1309');
    expect(await codeOf(service.list(auth, 'nosuch', {}))).toBe('FSS.1051');
  });

  it("lists the function's records with the window, and maps them to the wire", async () => {
    const { service, calls, fn } = setup();
    const page = await service.list(auth, URN, {
      start_time: '2030-01-01T00:00:00',
      end_time: '2030-01-01T01:00:00',
      marker: '3',
      limit: '2',
    });
    expect(calls).toEqual([
      {
        projectId: PROJECT,
        functionId: fn.id,
        filter: {
          qualifier: undefined,
          requestId: undefined,
          from: new Date('2030-01-01T00:00:00Z'),
          to: new Date('2030-01-01T01:00:00Z'),
        },
        offset: 3,
        limit: 2,
      },
    ]);
    expect(page).toEqual({
      logs: [
        {
          request_id: 'r2',
          qualifier: 'latest',
          invoke_type: 'sync',
          status: 'SUCCESS',
          error_message: '',
          log: 'hello',
          duration: 12.5,
          memory_used: 30,
          time: '2030-01-01T00:00:02.000Z',
          start_time: '2030-01-01T00:00:01.250Z',
          end_time: '2030-01-01T00:00:01.263Z',
        },
        expect.objectContaining({
          request_id: 'r1',
          duration: -1,
          memory_used: -1,
          start_time: '',
          end_time: '',
        }),
      ],
      count: 7,
      next_marker: 5,
    });
  });

  it('narrows to the qualifier the URN names, latest included', async () => {
    const { service, calls } = setup();
    await service.list(auth, `${URN}:LATEST`, {});
    expect(calls[0].filter.qualifier).toBe('latest');
    // Versions and aliases this resolver cannot find are missing (FSS.1052 / FSS.1053).
    expect(await codeOf(service.list(auth, `${URN}:v1`, {}))).toBe('FSS.1052');
    expect(await codeOf(service.list(auth, `${URN}:!prod`, {}))).toBe('FSS.1053');
  });

  it('refuses a bad query before reading anything', async () => {
    const { service, calls } = setup();
    expect(await codeOf(service.list(auth, URN, { request_id: 'x' }))).toBe('FSS.1001');
    expect(calls).toEqual([]);
  });

  it('accepts the LTS switch with an empty answer', () => {
    expect(setup().service.enableLtsLogs()).toEqual({});
  });
});

import type { InvocationAbortEvent } from '@ofg/contracts';
import type {
  AsyncInvocationRepository,
  AsyncInvocationStop,
  AsyncInvocationSummary,
  FunctionRepository,
} from '@ofg/data-access';
import type { InvocationProducer } from '@ofg/queue';
import type { ControlEventsPublisher } from '../control/control-events.publisher';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { AsyncInvocationsService } from './async-invocations.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };
const ID = '0b0c7f4e-1a2b-4c3d-8e9f-001122334455';

function setup(stop: AsyncInvocationStop, opts: { removeFails?: boolean } = {}) {
  const fn = aFunctionEntity({ projectId: PROJECT });
  const functions = {
    findByName: async (projectId: string, _pkg: string, name: string) =>
      projectId === PROJECT && name === fn.funcName ? fn : null,
  } as unknown as FunctionRepository;
  const rows: AsyncInvocationSummary[] = [
    {
      requestId: ID,
      status: 'FAIL',
      errorMessage: 'boom',
      startTime: new Date('2030-01-01T00:00:01.500Z'),
      endTime: new Date('2030-01-01T00:00:03Z'),
      createdAt: new Date('2030-01-01T00:00:00Z'),
    },
    {
      requestId: '1b0c7f4e-1a2b-4c3d-8e9f-001122334455',
      status: 'WAIT',
      errorMessage: '',
      startTime: null,
      endTime: null,
      createdAt: new Date('2030-01-01T00:00:05Z'),
    },
  ];
  const calls = { list: [] as unknown[], stop: [] as unknown[], removed: [] as string[] };
  const ledger = {
    list: async (projectId: string, functionId: string, filter: unknown) => {
      calls.list.push({ projectId, functionId, filter });
      return { items: rows, total: 7 };
    },
    stop: async (...args: unknown[]) => {
      calls.stop.push(args);
      return stop;
    },
  } as unknown as AsyncInvocationRepository;
  const producer = {
    queue: {
      remove: async (id: string) => {
        if (opts.removeFails) throw new Error('redis down');
        calls.removed.push(id);
        return 1;
      },
    },
  } as unknown as InvocationProducer;
  const aborts: InvocationAbortEvent[] = [];
  const events = {
    emitInvocationAbort: async (e: InvocationAbortEvent) => void aborts.push(e),
  } as unknown as ControlEventsPublisher;
  const service = new AsyncInvocationsService(ledger, new FunctionResolver(functions), producer, events);
  return { service, calls, aborts, fn };
}

describe('AsyncInvocationsService', () => {
  it('lists the ledger rows in the spec format with paging fields', async () => {
    const { service, calls, fn } = setup({ kind: 'not_found' });
    await expect(service.list(auth, 'hello', { marker: '2', limit: '2', status: 'FAIL' })).resolves.toEqual({
      invocations: [
        {
          request_id: ID,
          status: 'FAIL',
          error_message: 'boom',
          start_time: '2030-01-01T00:00:01',
          end_time: '2030-01-01T00:00:03',
        },
        {
          request_id: '1b0c7f4e-1a2b-4c3d-8e9f-001122334455',
          status: 'WAIT',
          error_message: '',
          start_time: '2030-01-01T00:00:05',
          end_time: '',
        },
      ],
      count: 7,
      next_marker: 4,
    });
    expect(calls.list[0]).toMatchObject({
      projectId: PROJECT,
      functionId: fn.id,
      filter: { statuses: ['FAIL'] },
    });
  });

  it('stops a WAIT request: ledger first, then its job, no abort event', async () => {
    const { service, calls, aborts, fn } = setup({
      kind: 'stopped',
      previous: 'WAIT',
      attempt: 0,
      invokerId: '',
    });
    await expect(service.cancel(auth, 'hello', { request_id: ID.toUpperCase() })).resolves.toBeUndefined();
    expect(calls.stop).toEqual([[PROJECT, fn.id, ID, 'function invocated canceled']]);
    expect(calls.removed).toEqual([ID]);
    expect(aborts).toEqual([]);
  });

  it('stops a RUNNING request and tells its invoker to abort it', async () => {
    const { service, aborts, fn } = setup({
      kind: 'stopped',
      previous: 'RUNNING',
      attempt: 2,
      invokerId: 'inv-1',
    });
    await service.cancel(auth, 'hello', { request_id: ID, type: 'force' });
    expect(aborts).toEqual([
      { requestId: ID, projectId: PROJECT, functionId: fn.id, invokerId: 'inv-1', attempt: 2, type: 'force' },
    ]);
  });

  it('still answers when the queue cannot remove the job: the ledger decided', async () => {
    const { service } = setup(
      { kind: 'stopped', previous: 'WAIT', attempt: 0, invokerId: '' },
      { removeFails: true },
    );
    await expect(service.cancel(auth, 'hello', { request_id: ID })).resolves.toBeUndefined();
  });

  it.each([
    ['an unknown request', { kind: 'not_found' } as const, { request_id: ID }, 'Invalid RequestId'],
    [
      'an ended request',
      { kind: 'ended', status: 'SUCCESS' } as const,
      { request_id: ID },
      'already ended with SUCCESS',
    ],
    ['a malformed request id', { kind: 'not_found' } as const, { request_id: 'abc' }, 'Invalid RequestId'],
    ['no request id', { kind: 'not_found' } as const, {}, 'Invalid RequestId'],
    [
      'an unknown type',
      { kind: 'not_found' } as const,
      { request_id: ID, type: 'kill' },
      'Invalid parameter type',
    ],
  ])('answers %s with 400 FSS.0400', async (_label, stop, body, message) => {
    const { service, calls, aborts } = setup(stop);
    const err = await service.cancel(auth, 'hello', body).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FSS.0400', status: 400 });
    expect((err as Error).message).toContain(message);
    expect(calls.removed).toEqual([]);
    expect(aborts).toEqual([]);
  });

  it('answers a missing function with FSS.1051 before reading the body', async () => {
    const { service, calls } = setup({ kind: 'not_found' });
    await expect(service.cancel(auth, 'nope', { request_id: ID })).rejects.toMatchObject({
      code: 'FSS.1051',
    });
    await expect(service.list(auth, 'nope', {})).rejects.toMatchObject({ code: 'FSS.1051' });
    expect(calls.stop).toEqual([]);
  });
});

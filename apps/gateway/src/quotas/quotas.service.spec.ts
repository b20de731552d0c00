import { FgsError } from '@ofg/contracts';
import type { ProjectUsage, QuotaUsageRepository } from '@ofg/data-access';
import type { LiveInstancesReader } from './live-instances.reader';
import { instancesIn } from './live-instances.reader';
import { QuotasService } from './quotas.service';

const auth = { projectId: 'p1', domainId: 'dom', userId: 'u', method: 'token' as const };

const usage: ProjectUsage = {
  functions: 3,
  functionIds: ['f1', 'f2', 'f3'],
  codeBytes: 5 * 1024 * 1024,
  dependencies: 2,
  dependencyBytes: 1,
  triggers: 4,
};

function service(instances: (ids: readonly string[]) => Promise<number>) {
  const asked: string[] = [];
  const repo = {
    usageOf: async (projectId: string) => {
      asked.push(projectId);
      return usage;
    },
  } as unknown as QuotaUsageRepository;
  const reader = { instancesOf: instances } as unknown as LiveInstancesReader;
  return { quotas: new QuotasService(repo, reader), asked };
}

describe('QuotasService', () => {
  it("lists the spec's quota types with the project's usage, then the unlimited extras", async () => {
    let idsSeen: readonly string[] = [];
    const { quotas, asked } = service(async (ids) => {
      idsSeen = ids;
      return 6;
    });
    await expect(quotas.list(auth)).resolves.toEqual({
      quotas: {
        resources: [
          { type: 'fgs_func_scale_down_timeout', quota: 60, used: 0 },
          { type: 'fgs_func_occurs', quota: 1000, used: 6 },
          { type: 'fgs_func_pat_idle_time', quota: 100, used: 0 },
          { type: 'fgs_func_num', quota: 400, used: 3 },
          // 5 MB and one byte round up to 6 MB.
          { type: 'fgs_func_code_size', quota: 20480, used: 6, unit: 'MB' },
          { type: 'fgs_workflow_num', quota: 512, used: 0 },
          { type: 'fgs_dependency_num', quota: -1, used: 2 },
          { type: 'fgs_trigger_num', quota: -1, used: 4 },
        ],
      },
    });
    expect(asked).toEqual(['p1']);
    expect(idsSeen).toEqual(['f1', 'f2', 'f3']);
  });

  it('answers 503 when the live instance figures cannot be read', async () => {
    const { quotas } = service(async () => {
      throw new Error('redis down');
    });
    const err = await quotas.list(auth).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FgsError);
    expect((err as FgsError).code).toBe('FSS.0503');
  });
});

describe('instancesIn', () => {
  it.each([
    ['{"instances":3,"reserved":1}', 3],
    ['{"instances":0}', 0],
    ['{"instances":-2}', 0],
    ['{"instances":"4"}', 0],
    ['not json', 0],
    [null, 0],
  ])('reads %p as %i', (raw, expected) => {
    expect(instancesIn(raw)).toBe(expected);
  });
});

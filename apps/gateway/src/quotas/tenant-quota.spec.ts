import { TENANT_QUOTAS } from '@ofg/contracts';
import { tenantQuotaError } from './tenant-quota';

const MB = 1024 * 1024;
const empty = { functions: 0, codeBytes: 0, dependencyBytes: 0 };

describe('tenantQuotaError', () => {
  it('lets a project reach its quotas exactly, and refuses one function or one byte more', () => {
    const full = { ...empty, functions: TENANT_QUOTAS.functions - 1 };
    expect(tenantQuotaError(full, { functions: 1, codeBytes: 10 })).toBeUndefined();
    const err = tenantQuotaError(
      { ...full, functions: TENANT_QUOTAS.functions },
      { functions: 1, codeBytes: 10 },
    );
    expect(err).toMatchObject({ code: 'FSS.1041', status: 403 });

    const code = { ...empty, codeBytes: TENANT_QUOTAS.codeSizeMb * MB - 100, dependencyBytes: 50 };
    expect(tenantQuotaError(code, { functions: 0, codeBytes: 50 })).toBeUndefined();
    expect(tenantQuotaError(code, { functions: 0, codeBytes: 51 })).toMatchObject({
      code: 'FSS.1042',
      status: 403,
    });
  });

  it('never refuses a write that frees room, even over quota', () => {
    const over = {
      functions: TENANT_QUOTAS.functions + 5,
      codeBytes: TENANT_QUOTAS.codeSizeMb * MB * 2,
      dependencyBytes: 0,
    };
    expect(tenantQuotaError(over, { functions: 0, codeBytes: -10 })).toBeUndefined();
  });
});

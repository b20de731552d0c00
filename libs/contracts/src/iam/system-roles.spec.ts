import { ALL_ACTIONS, FGS_ACTIONS, FgsAction, IAM_ACTIONS } from './iam-actions';
import { isAllowed } from './policy';
import {
  ADMIN_ROLE,
  FGS_COMMON_OPERATIONS_ROLE,
  FGS_FULL_ACCESS_ROLE,
  FGS_READ_ONLY_ROLE,
  findSystemRole,
  policiesOfRoles,
} from './system-roles';

const allowedFor = (role: string): string[] =>
  ALL_ACTIONS.filter((action) => isAllowed(policiesOfRoles([role]), action));

const READS: FgsAction[] = [
  FGS_ACTIONS.functionList,
  FGS_ACTIONS.functionGetConfig,
  FGS_ACTIONS.functionGetCode,
  FGS_ACTIONS.functionListVersion,
  FGS_ACTIONS.functionGetAlias,
  FGS_ACTIONS.functionListAlias,
  FGS_ACTIONS.triggerGet,
  FGS_ACTIONS.triggerListSpecifiedFunctionTriggers,
  FGS_ACTIONS.dependencyList,
  FGS_ACTIONS.dependencyGet,
  FGS_ACTIONS.functionListReservedInstances,
  FGS_ACTIONS.functionListReservedInstanceConfigs,
  FGS_ACTIONS.functionGetInstanceReports,
  FGS_ACTIONS.functionGetAsyncInvokeConfig,
  FGS_ACTIONS.functionListAsyncInvokeConfig,
  FGS_ACTIONS.functionListAsyncInvocations,
  FGS_ACTIONS.functionListEvents,
  FGS_ACTIONS.functionGetEvent,
  FGS_ACTIONS.functionGetTracing,
  FGS_ACTIONS.functionListTags,
  FGS_ACTIONS.functionListProjectTags,
  FGS_ACTIONS.functionListResourceInstances,
  FGS_ACTIONS.functionListQuotas,
  FGS_ACTIONS.functionListStatistics,
  FGS_ACTIONS.functionListFunctionStatistics,
  FGS_ACTIONS.functionGetFunctionMetrics,
  FGS_ACTIONS.functionListFunctionAsMetric,
  FGS_ACTIONS.functionGetTenantMetric,
  FGS_ACTIONS.functionGetLtsLogDetails,
  FGS_ACTIONS.functionListLogs,
];

describe('system roles', () => {
  it('admin may do everything, FullAccess every FunctionGraph action and no IAM one', () => {
    expect(allowedFor(ADMIN_ROLE).sort()).toEqual([...ALL_ACTIONS].sort());
    expect(allowedFor(FGS_FULL_ACCESS_ROLE).sort()).toEqual(Object.values(FGS_ACTIONS).sort());
  });

  it('ReadOnlyAccess may only list and get', () => {
    expect(allowedFor(FGS_READ_ONLY_ROLE).sort()).toEqual([...READS].sort());
  });

  it('CommonOperations may read and invoke, not create, update or delete', () => {
    expect(allowedFor(FGS_COMMON_OPERATIONS_ROLE).sort()).toEqual(
      [...READS, FGS_ACTIONS.functionInvoke, FGS_ACTIONS.functionInvokeAsync].sort(),
    );
  });

  it('no FunctionGraph role reaches IAM administration', () => {
    for (const role of [FGS_FULL_ACCESS_ROLE, FGS_READ_ONLY_ROLE, FGS_COMMON_OPERATIONS_ROLE])
      for (const action of Object.values(IAM_ACTIONS))
        expect(isAllowed(policiesOfRoles([role]), action)).toBe(false);
  });

  it('finds roles by name or id, case-insensitively; unknown names grant nothing', () => {
    expect(findSystemRole('functiongraph readonlyaccess')?.name).toBe(FGS_READ_ONLY_ROLE);
    expect(findSystemRole('fgs_common_operations')?.name).toBe(FGS_COMMON_OPERATIONS_ROLE);
    expect(findSystemRole('Admin')?.name).toBe(ADMIN_ROLE);
    expect(findSystemRole('root')).toBeUndefined();
    expect(policiesOfRoles(['root', 'retired-role'])).toEqual([]);
  });
});

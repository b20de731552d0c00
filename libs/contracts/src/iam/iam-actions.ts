/**
 * FunctionGraph's IAM actions (spec §9) in the lower-case IAM spelling. `trigger:update` is ours: the spec lists no
 * action for updating a trigger (see docs/compatibility.md).
 */
export const FGS_ACTIONS = {
  functionList: 'functiongraph:function:list',
  functionGetConfig: 'functiongraph:function:getConfig',
  functionGetCode: 'functiongraph:function:getCode',
  functionCreate: 'functiongraph:function:create',
  functionDelete: 'functiongraph:function:delete',
  functionUpdateCode: 'functiongraph:function:updateCode',
  functionUpdateConfig: 'functiongraph:function:updateConfig',
  functionInvoke: 'functiongraph:function:invoke',
  functionInvokeAsync: 'functiongraph:function:invokeAsync',
  functionCreateVersion: 'functiongraph:function:createVersion',
  functionListVersion: 'functiongraph:function:listVersion',
  functionCreateAlias: 'functiongraph:function:createAlias',
  // Plural as Huawei prints it.
  functionUpdateAliases: 'functiongraph:function:updateAliases',
  functionDeleteAlias: 'functiongraph:function:deleteAlias',
  functionGetAlias: 'functiongraph:function:getAlias',
  functionListAlias: 'functiongraph:function:listAlias',
  // Reserved instances and scaling have no action in the spec; these are ours (docs/compatibility.md).
  functionUpdateReservedInstances: 'functiongraph:function:updateReservedInstances',
  functionListReservedInstances: 'functiongraph:function:listReservedInstances',
  functionListReservedInstanceConfigs: 'functiongraph:function:listReservedInstanceConfigs',
  functionGetInstanceReports: 'functiongraph:function:getInstanceReports',
  functionUpdateMaxInstanceConfig: 'functiongraph:function:updateMaxInstanceConfig',
  // The spec lists no async-notification actions (§9 gap); named after the SDK operations.
  functionGetAsyncInvokeConfig: 'functiongraph:function:getAsyncInvokeConfig',
  functionUpdateAsyncInvokeConfig: 'functiongraph:function:updateAsyncInvokeConfig',
  functionDeleteAsyncInvokeConfig: 'functiongraph:function:deleteAsyncInvokeConfig',
  functionListAsyncInvokeConfig: 'functiongraph:function:listAsyncInvokeConfig',
  functionListAsyncInvocations: 'functiongraph:function:listAsyncInvocations',
  functionCancelAsyncInvocation: 'functiongraph:function:cancelAsyncInvocation',
  // Test events, tracing, tags and import/export have no action in the spec (§9 gap); named after the SDK operations.
  functionListEvents: 'functiongraph:function:listEvents',
  functionGetEvent: 'functiongraph:function:getEvent',
  functionCreateEvent: 'functiongraph:function:createEvent',
  functionUpdateEvent: 'functiongraph:function:updateEvent',
  functionDeleteEvent: 'functiongraph:function:deleteEvent',
  functionGetTracing: 'functiongraph:function:getTracing',
  functionUpdateTracing: 'functiongraph:function:updateTracing',
  functionListTags: 'functiongraph:function:listTags',
  functionCreateTags: 'functiongraph:function:createTags',
  functionDeleteTags: 'functiongraph:function:deleteTags',
  functionListProjectTags: 'functiongraph:function:listProjectTags',
  functionListResourceInstances: 'functiongraph:function:listResourceInstances',
  functionExport: 'functiongraph:function:export',
  functionImport: 'functiongraph:function:import',
  // Quotas, metrics and logs have no action in the spec (§9 gap); named after the SDK operations so the read-only
  // roles' `get*`/`list*` cover the queries and not `enableLtsLogs`.
  functionListQuotas: 'functiongraph:function:listQuotas',
  functionListStatistics: 'functiongraph:function:listStatistics',
  functionListFunctionStatistics: 'functiongraph:function:listFunctionStatistics',
  functionGetFunctionMetrics: 'functiongraph:function:getFunctionMetrics',
  functionListFunctionAsMetric: 'functiongraph:function:listFunctionAsMetric',
  functionGetTenantMetric: 'functiongraph:function:getTenantMetric',
  functionGetLtsLogDetails: 'functiongraph:function:getLtsLogDetails',
  functionEnableLtsLogs: 'functiongraph:function:enableLtsLogs',
  functionListLogs: 'functiongraph:function:listLogs',
  triggerCreate: 'functiongraph:trigger:create',
  triggerGet: 'functiongraph:trigger:get',
  triggerUpdate: 'functiongraph:trigger:update',
  triggerDelete: 'functiongraph:trigger:delete',
  triggerListSpecifiedFunctionTriggers: 'functiongraph:trigger:listSpecifiedFunctionTriggers',
  triggerDeleteSpecifiedFunctionTriggers: 'functiongraph:trigger:deleteSpecifiedFunctionTriggers',
  // The spec lists no dependency actions (§9 gap); named like the function actions.
  dependencyList: 'functiongraph:dependency:list',
  dependencyGet: 'functiongraph:dependency:get',
  dependencyCreate: 'functiongraph:dependency:create',
  dependencyUpdate: 'functiongraph:dependency:update',
  dependencyDelete: 'functiongraph:dependency:delete',
} as const;
export type FgsAction = (typeof FGS_ACTIONS)[keyof typeof FGS_ACTIONS];

/** Actions of the IAM administration API, named like Huawei IAM's fine-grained actions. */
export const IAM_ACTIONS = {
  usersCreate: 'iam:users:createUser',
  usersList: 'iam:users:listUsers',
  usersGet: 'iam:users:getUser',
  usersUpdate: 'iam:users:updateUser',
  usersDelete: 'iam:users:deleteUser',
  projectsCreate: 'iam:projects:createProject',
  projectsList: 'iam:projects:listProjects',
  rolesList: 'iam:roles:listRoles',
  rolesGrant: 'iam:permissions:grantRoleToUserOnProject',
  rolesRevoke: 'iam:permissions:revokeRoleFromUserOnProject',
  rolesListForUser: 'iam:permissions:listRolesForUserOnProject',
  credentialsCreate: 'iam:credentials:createCredential',
  credentialsList: 'iam:credentials:listCredentials',
  credentialsGet: 'iam:credentials:getCredential',
  credentialsUpdate: 'iam:credentials:updateCredential',
  credentialsDelete: 'iam:credentials:deleteCredential',
} as const;
export type IamAction = (typeof IAM_ACTIONS)[keyof typeof IAM_ACTIONS];

/** Every action a route of this platform can declare. */
export type PermissionAction = FgsAction | IamAction;

export const ALL_ACTIONS: readonly PermissionAction[] = [
  ...Object.values(FGS_ACTIONS),
  ...Object.values(IAM_ACTIONS),
];

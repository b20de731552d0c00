import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DependenciesController } from '../dependencies/dependencies.controller';
import { FunctionsController } from '../functions/functions.controller';
import { CredentialsController } from '../iam/credentials.controller';
import { ProjectAdminController } from '../iam/project-admin.controller';
import { ProjectsController } from '../iam/projects.controller';
import { RoleGrantsController } from '../iam/role-grants.controller';
import { RolesController } from '../iam/roles.controller';
import { UsersController } from '../iam/users.controller';
import { InvocationsController } from '../invocations/invocations.controller';
import { TriggersController } from '../triggers/triggers.controller';
import { AsyncInvocationsController } from '../async-invocations/async-invocations.controller';
import { ReservedInstancesController } from '../reserved-instances/reserved-instances.controller';
import { VersionsController } from '../versions/versions.controller';
import { AliasesController } from '../aliases/aliases.controller';
import { QuotasController } from '../quotas/quotas.controller';
import { MetricsController } from '../metrics/metrics.controller';
import { LogsController } from '../logs/logs.controller';
import { ACTION_KEY, ActionMetadata } from './action.decorator';

const CONTROLLERS: Type[] = [
  FunctionsController,
  DependenciesController,
  InvocationsController,
  TriggersController,
  AsyncInvocationsController,
  ReservedInstancesController,
  VersionsController,
  AliasesController,
  QuotasController,
  MetricsController,
  LogsController,
  ProjectsController,
  ProjectAdminController,
  UsersController,
  RoleGrantsController,
  RolesController,
  CredentialsController,
];

/** Every routed method of the controllers as `VERB /path` → declared action. */
function routeActions(): Map<string, string | undefined> {
  const routes = new Map<string, string | undefined>();
  for (const controller of CONTROLLERS) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const verb = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const full = `/${[base, path].filter((p) => p && p !== '/').join('/')}`;
      const declared = (Reflect.getMetadata(ACTION_KEY, handler) ??
        Reflect.getMetadata(ACTION_KEY, controller)) as ActionMetadata | undefined;
      routes.set(`${verb} ${full}`, declared?.action);
    }
  }
  return routes;
}

describe('route actions', () => {
  it('maps every FunctionGraph route to its action of spec §9', () => {
    const f = '/v2/:project_id/fgs/functions';
    const t = '/v2/:project_id/fgs/triggers/:function_urn';
    const d = '/v2/:project_id/fgs/dependencies';
    const expected: Record<string, string> = {
      [`GET ${f}`]: 'functiongraph:function:list',
      [`POST ${f}`]: 'functiongraph:function:create',
      [`GET ${f}/:function_urn/config`]: 'functiongraph:function:getConfig',
      [`PUT ${f}/:function_urn/config`]: 'functiongraph:function:updateConfig',
      [`GET ${f}/:function_urn/code`]: 'functiongraph:function:getCode',
      [`PUT ${f}/:function_urn/code`]: 'functiongraph:function:updateCode',
      [`DELETE ${f}/:function_urn`]: 'functiongraph:function:delete',
      [`POST ${f}/:function_urn/invocations`]: 'functiongraph:function:invoke',
      [`POST ${f}/:function_urn/invocations-async`]: 'functiongraph:function:invokeAsync',
      [`POST ${t}`]: 'functiongraph:trigger:create',
      [`GET ${t}`]: 'functiongraph:trigger:listSpecifiedFunctionTriggers',
      [`DELETE ${t}`]: 'functiongraph:trigger:deleteSpecifiedFunctionTriggers',
      [`GET ${t}/:trigger_type_code/:trigger_id`]: 'functiongraph:trigger:get',
      [`PUT ${t}/:trigger_type_code/:trigger_id`]: 'functiongraph:trigger:update',
      [`DELETE ${t}/:trigger_type_code/:trigger_id`]: 'functiongraph:trigger:delete',
      [`GET ${d}`]: 'functiongraph:dependency:list',
      [`POST ${d}`]: 'functiongraph:dependency:create',
      [`POST ${d}/version`]: 'functiongraph:dependency:create',
      [`GET ${d}/:depend_id`]: 'functiongraph:dependency:get',
      [`PUT ${d}/:depend_id`]: 'functiongraph:dependency:update',
      [`DELETE ${d}/:depend_id`]: 'functiongraph:dependency:delete',
      [`GET ${d}/:depend_id/version`]: 'functiongraph:dependency:list',
      [`GET ${d}/:depend_id/version/:version`]: 'functiongraph:dependency:get',
      [`DELETE ${d}/:depend_id/version/:version`]: 'functiongraph:dependency:delete',
      [`GET ${f}/:function_urn/async-invoke-config`]: 'functiongraph:function:getAsyncInvokeConfig',
      [`PUT ${f}/:function_urn/async-invoke-config`]: 'functiongraph:function:updateAsyncInvokeConfig',
      [`DELETE ${f}/:function_urn/async-invoke-config`]: 'functiongraph:function:deleteAsyncInvokeConfig',
      [`GET ${f}/:function_urn/async-invoke-configs`]: 'functiongraph:function:listAsyncInvokeConfig',
      [`GET ${f}/:function_urn/async-invocations`]: 'functiongraph:function:listAsyncInvocations',
      [`GET ${f}/:function_urn/active-async-invocations`]: 'functiongraph:function:listAsyncInvocations',
      [`POST ${f}/:function_urn/cancel`]: 'functiongraph:function:cancelAsyncInvocation',
      [`PUT ${f}/:function_urn/reservedinstances`]: 'functiongraph:function:updateReservedInstances',
      [`GET ${f}/reservedinstances`]: 'functiongraph:function:listReservedInstances',
      [`GET ${f}/reservedinstanceconfigs`]: 'functiongraph:function:listReservedInstanceConfigs',
      [`GET ${f}/:func_urn/instancereports`]: 'functiongraph:function:getInstanceReports',
      [`PUT ${f}/:function_urn/config-max-instance`]: 'functiongraph:function:updateMaxInstanceConfig',
      [`POST ${f}/:function_urn/versions`]: 'functiongraph:function:createVersion',
      [`GET ${f}/:function_urn/versions`]: 'functiongraph:function:listVersion',
      [`GET ${f}/:function_urn/aliases`]: 'functiongraph:function:listAlias',
      [`POST ${f}/:function_urn/aliases`]: 'functiongraph:function:createAlias',
      [`GET ${f}/:function_urn/aliases/:alias_name`]: 'functiongraph:function:getAlias',
      [`PUT ${f}/:function_urn/aliases/:alias_name`]: 'functiongraph:function:updateAliases',
      [`DELETE ${f}/:function_urn/aliases/:alias_name`]: 'functiongraph:function:deleteAlias',
      [`GET /v2/:project_id/fgs/quotas`]: 'functiongraph:function:listQuotas',
      [`GET ${f}/statistics`]: 'functiongraph:function:listStatistics',
      [`GET ${f}/:func_urn/statistics/:period`]: 'functiongraph:function:listFunctionStatistics',
      [`GET ${f}/:func_urn/slareports/:period`]: 'functiongraph:function:getFunctionMetrics',
      [`GET /v2/:project_id/fgs/function/report`]: 'functiongraph:function:listFunctionAsMetric',
      [`GET /v2/:project_id/fgs/workflow-statistic`]: 'functiongraph:function:getTenantMetric',
      [`GET ${f}/:function_urn/lts-log-detail`]: 'functiongraph:function:getLtsLogDetails',
      [`POST ${f}/enable-lts-logs`]: 'functiongraph:function:enableLtsLogs',
      [`GET ${f}/:function_urn/logs`]: 'functiongraph:function:listLogs',
    };
    const routes = routeActions();
    for (const [route, action] of Object.entries(expected))
      expect([route, routes.get(route)]).toEqual([route, action]);
  });

  it('declares an action on every /v2 and IAM route', () => {
    const undeclared = [...routeActions()]
      .filter(([, action]) => action === undefined)
      .map(([route]) => route);
    expect(undeclared).toEqual([]);
    expect(routeActions().size).toBeGreaterThanOrEqual(27);
  });
});

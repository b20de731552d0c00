import { Injectable, Logger } from '@nestjs/common';
import { APIG_TRIGGER_TYPES, apigEventDataSchema } from '@ofg/contracts';
import { FunctionEntity, FunctionRepository, IdentityRepository, TriggerRepository } from '@ofg/data-access';
import { ApigRoute, normaliseApiPath } from './apig-route';

/** Reads a project's APIG-type triggers (active and disabled) into routes: three queries per project load. */
@Injectable()
export class ApigRouteLoader {
  private readonly logger = new Logger(ApigRouteLoader.name);

  constructor(
    private readonly triggers: TriggerRepository,
    private readonly functions: FunctionRepository,
    private readonly identity: IdentityRepository,
  ) {}

  async load(projectId: string): Promise<ApigRoute[]> {
    const triggers = await this.triggers.listForProjectOfTypes(projectId, APIG_TRIGGER_TYPES);
    if (triggers.length === 0) return [];
    const project = await this.identity.findProjectById(projectId);
    if (!project) return [];
    const functionIds = [...new Set(triggers.map((t) => t.functionId))];
    const functions = new Map<string, FunctionEntity>();
    for (const fn of await Promise.all(functionIds.map((id) => this.functions.findById(projectId, id))))
      if (fn) functions.set(fn.id, fn);
    const routes: ApigRoute[] = [];
    for (const t of triggers) {
      const fn = functions.get(t.functionId);
      const parsed = apigEventDataSchema.safeParse(t.eventData);
      if (!fn || !parsed.success) {
        this.logger.warn(
          { triggerId: t.id },
          'APIG trigger skipped: its function is gone or its event_data is invalid',
        );
        continue;
      }
      const api = parsed.data;
      routes.push({
        triggerId: t.id,
        triggerType: t.triggerTypeCode,
        projectId,
        domainId: project.domainId,
        functionId: fn.id,
        package: fn.package,
        funcName: fn.funcName,
        qualifier: t.qualifier,
        active: t.triggerStatus === 'ACTIVE',
        groupId: api.group_id,
        apiId: typeof t.eventData['api_id'] === 'string' ? t.eventData['api_id'] : t.id,
        apiName: api.name,
        stage: api.env_name,
        auth: api.auth,
        path: normaliseApiPath(api.path),
        matchMode: api.match_mode,
        method: api.req_method,
      });
    }
    return routes;
  }
}

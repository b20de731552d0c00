import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ImportExportController } from '../import-export/import-export.controller';
import { TagsController } from '../tags/tags.controller';
import { TestEventsController } from '../test-events/test-events.controller';
import { TracingController } from '../tracing/tracing.controller';
import { ACTION_KEY, ActionMetadata } from './action.decorator';

/** `VERB /path` → declared action of the controllers' routed methods. */
function routeActions(controllers: Type[]): Map<string, string | undefined> {
  const routes = new Map<string, string | undefined>();
  for (const controller of controllers) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const verb = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      const full = `/${[base, path].filter((p) => p && p !== '/').join('/')}`;
      const declared = Reflect.getMetadata(ACTION_KEY, handler) as ActionMetadata | undefined;
      routes.set(`${verb} ${full}`, declared?.action);
    }
  }
  return routes;
}

describe('test event, tracing, tag and import/export route actions', () => {
  it('maps every route to its action, at the SDK paths', () => {
    const f = '/v2/:project_id/fgs/functions';
    const e = `${f}/:function_urn/events`;
    const t = '/v2/:project_id/functions';
    expect(
      Object.fromEntries(
        routeActions([TestEventsController, TracingController, TagsController, ImportExportController]),
      ),
    ).toEqual({
      [`GET ${e}`]: 'functiongraph:function:listEvents',
      [`POST ${e}`]: 'functiongraph:function:createEvent',
      [`GET ${e}/:event_id`]: 'functiongraph:function:getEvent',
      [`PUT ${e}/:event_id`]: 'functiongraph:function:updateEvent',
      [`DELETE ${e}/:event_id`]: 'functiongraph:function:deleteEvent',
      [`GET ${f}/:function_urn/tracing`]: 'functiongraph:function:getTracing',
      [`PUT ${f}/:function_urn/tracing`]: 'functiongraph:function:updateTracing',
      [`GET ${t}/tags`]: 'functiongraph:function:listProjectTags',
      [`POST ${t}/resource-instances/:action`]: 'functiongraph:function:listResourceInstances',
      [`GET ${t}/:resource_id/tags`]: 'functiongraph:function:listTags',
      [`POST ${t}/:resource_id/tags/create`]: 'functiongraph:function:createTags',
      [`DELETE ${t}/:resource_id/tags/delete`]: 'functiongraph:function:deleteTags',
      [`GET ${f}/:function_urn/export`]: 'functiongraph:function:export',
      [`POST ${f}/import`]: 'functiongraph:function:import',
    });
  });
});

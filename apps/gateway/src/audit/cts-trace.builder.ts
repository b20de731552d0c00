import {
  CTS_SERVICE_TYPE,
  CtsTrace,
  FGS_ACTIONS,
  FgsAction,
  formatFunctionUrn,
  FunctionRef,
  parseFunctionUrn,
} from '@ofg/contracts';

/** The audited resource kinds, as CTS `resource_type` (and the middle part of a CTS trigger operation). */
export type CtsResourceType = 'function' | 'version' | 'alias' | 'trigger';

/** The control-plane changes that write an audit record: IAM action → resource type and trace name. */
export const AUDITED_ACTIONS: Partial<
  Record<FgsAction, { resourceType: CtsResourceType; traceName: string }>
> = {
  [FGS_ACTIONS.functionCreate]: { resourceType: 'function', traceName: 'createFunction' },
  [FGS_ACTIONS.functionImport]: { resourceType: 'function', traceName: 'importFunction' },
  [FGS_ACTIONS.functionUpdateCode]: { resourceType: 'function', traceName: 'updateFunctionCode' },
  [FGS_ACTIONS.functionUpdateConfig]: { resourceType: 'function', traceName: 'updateFunctionConfig' },
  [FGS_ACTIONS.functionDelete]: { resourceType: 'function', traceName: 'deleteFunction' },
  [FGS_ACTIONS.functionCreateVersion]: { resourceType: 'version', traceName: 'publishFunctionVersion' },
  [FGS_ACTIONS.functionCreateAlias]: { resourceType: 'alias', traceName: 'createVersionAlias' },
  [FGS_ACTIONS.functionUpdateAliases]: { resourceType: 'alias', traceName: 'updateVersionAlias' },
  [FGS_ACTIONS.functionDeleteAlias]: { resourceType: 'alias', traceName: 'deleteVersionAlias' },
  [FGS_ACTIONS.triggerCreate]: { resourceType: 'trigger', traceName: 'createTrigger' },
  [FGS_ACTIONS.triggerUpdate]: { resourceType: 'trigger', traceName: 'updateTrigger' },
  [FGS_ACTIONS.triggerDelete]: { resourceType: 'trigger', traceName: 'deleteTrigger' },
  [FGS_ACTIONS.triggerDeleteSpecifiedFunctionTriggers]: {
    resourceType: 'trigger',
    traceName: 'deleteFunctionTriggers',
  },
};

/** Body fields that identify what a request did, copied into `request` (bodies also hold code and secrets). */
const REQUEST_FIELDS = [
  'func_name',
  'package',
  'runtime',
  'version',
  'name',
  'trigger_type_code',
  'trigger_status',
  'event_type_code',
];
/** Fields of the answer that identify the resource, copied into `response`. */
const RESPONSE_FIELDS = [
  'func_urn',
  'func_name',
  'package',
  'version',
  'alias_urn',
  'name',
  'trigger_id',
  'trigger_type_code',
  'trigger_status',
];

/** One successful audited call, as the interceptor saw it. */
export interface AuditedCall {
  action: string;
  params: Record<string, string>;
  body: unknown;
  result: unknown;
  status: number;
  projectId: string;
  domainId: string;
  userId: string;
  userName: string;
  region: string;
  now: number;
  traceId: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function pick(source: unknown, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isObject(source)) return out;
  for (const f of fields) if (source[f] !== undefined && typeof source[f] !== 'object') out[f] = source[f];
  return out;
}

/** The CTS trace of an audited call; undefined for calls that are not audited. */
export function buildCtsTrace(call: AuditedCall): CtsTrace | undefined {
  const audited = AUDITED_ACTIONS[call.action as FgsAction];
  if (!audited) return undefined;
  const params = Object.fromEntries(Object.entries(call.params).filter(([name]) => name !== 'project_id'));
  const request = { ...params, ...pick(call.body, REQUEST_FIELDS) };
  const response = pick(call.result, RESPONSE_FIELDS);
  const resource = resourceOf(audited.resourceType, call, response);
  return {
    time: call.now,
    user: {
      name: call.userName,
      id: call.userId,
      domain: { name: call.domainId, id: call.domainId },
    },
    request,
    response,
    code: call.status,
    service_type: CTS_SERVICE_TYPE,
    resource_type: audited.resourceType,
    resource_name: resource.name,
    resource_id: resource.id,
    trace_name: traceNameOf(audited.traceName, call.body),
    trace_type: 'ApiCall',
    record_time: call.now,
    trace_id: call.traceId,
    trace_status: 'normal',
  };
}

/** A trigger update that only switches the status is an enable or a disable. */
function traceNameOf(traceName: string, body: unknown): string {
  if (traceName !== 'updateTrigger' || !isObject(body) || body['event_data'] !== undefined) return traceName;
  if (body['trigger_status'] === 'ACTIVE') return 'enableTrigger';
  if (body['trigger_status'] === 'DISABLED') return 'disableTrigger';
  return traceName;
}

function resourceOf(
  type: CtsResourceType,
  call: AuditedCall,
  response: Record<string, unknown>,
): { name: string; id: string } {
  const ref = refOf(call.params['function_urn'], call.projectId);
  const urnOf = (qualifier?: string): string => (ref ? formatFunctionUrn(call.region, ref, qualifier) : '');
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  switch (type) {
    case 'function':
      return {
        name: str(response['func_name']) ?? ref?.funcName ?? '',
        id: str(response['func_urn']) ?? urnOf(qualifierOf(ref)),
      };
    case 'version':
      return {
        name: str(response['version']) ?? '',
        id: str(response['func_urn']) ?? urnOf(str(response['version'])),
      };
    case 'alias': {
      const alias = str(response['name']) ?? call.params['alias_name'] ?? '';
      return { name: alias, id: str(response['alias_urn']) ?? urnOf(`!${alias}`) };
    }
    case 'trigger': {
      const triggerId = str(response['trigger_id']) ?? call.params['trigger_id'];
      if (triggerId === undefined) return { name: ref?.funcName ?? '', id: urnOf(qualifierOf(ref)) };
      return {
        name: str(response['trigger_type_code']) ?? call.params['trigger_type_code'] ?? '',
        id: triggerId,
      };
    }
  }
}

function refOf(urn: string | undefined, projectId: string): FunctionRef | undefined {
  if (urn === undefined) return undefined;
  try {
    return parseFunctionUrn(urn, projectId);
  } catch {
    return undefined;
  }
}

function qualifierOf(ref: FunctionRef | undefined): string | undefined {
  if (!ref) return undefined;
  return ref.alias !== undefined ? `!${ref.alias}` : ref.version;
}

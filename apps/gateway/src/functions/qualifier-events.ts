import { FunctionEntity, QualifierCleanup } from '@ofg/data-access';
import { FgsAuthContext } from '../common/fgs-request';
import { ControlEventsPublisher } from '../control/control-events.publisher';

/**
 * Tells the trigger services, invokers and other gateways what changed with a version or alias: the triggers, async
 * config and reservation that went with a deleted one, and (always) that the function's versions or aliases moved,
 * so cached URN lookups of other gateway replicas drop.
 */
export async function announceVersionsChanged(
  events: ControlEventsPublisher,
  auth: FgsAuthContext,
  fn: Pick<FunctionEntity, 'id'>,
  deleted?: { qualifier: string; cleanup: QualifierCleanup },
): Promise<void> {
  const base = { functionId: fn.id, projectId: auth.projectId };
  if (deleted) {
    const { qualifier, cleanup } = deleted;
    for (const triggerId of cleanup.triggerIds)
      await events.emitTriggerChanged({ triggerId, projectId: auth.projectId, action: 'delete' });
    if (cleanup.asyncConfigDeleted)
      await events.emitAsyncConfigChanged({ ...base, qualifier, action: 'delete' });
    if (cleanup.reservationsDeleted)
      await events.emitReservedInstancesChanged({
        ...base,
        qualifier: qualifier.replace(/^!/, ''),
        count: 0,
      });
  }
  await events.emitFunctionChanged({ ...base, action: 'versions' });
}

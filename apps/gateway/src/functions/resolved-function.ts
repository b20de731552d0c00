import type { FunctionRef } from '@ofg/contracts';
import type { FunctionEntity, QualifierTarget } from '@ofg/data-access';

/** A function, its parsed URN and what the qualifier names (checked to exist). */
export interface ResolvedFunction {
  fn: FunctionEntity;
  ref: FunctionRef;
  target: QualifierTarget;
}

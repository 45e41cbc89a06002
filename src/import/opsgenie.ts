import type { Bundle } from './input.js';
import { InputError } from './input.js';
import type { ImportPlan } from './plan.js';

export function planOpsgenie(_bundle: Bundle): ImportPlan {
  throw new InputError('not yet');
}

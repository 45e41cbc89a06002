/**
 * What the rest of Hark asks of the escalation from outside it (the Twilio delivery callbacks in
 * src/answers/), without seeing its queue. The escalation engine (`Escalations`) implements it.
 */
import type { PageRef } from '../pages/page.js';

export interface EscalationPort {
  /**
   * A page failed for good (not delivered): the person's next notify rule of the same step fires
   * now instead of after its delay. Returns whether one was pending. Harmless to repeat.
   */
  movePersonOn(failed: PageRef): Promise<boolean>;
}

/*
 * The major incident's lifecycle, one step per task state of workflows/major-incident.asl.json, by
 * phase: paging (paging.ts), waiting for and taking people's actions (taking.ts), the active incident
 * (active.ts), the review, the close and the follow-up (reviewing.ts); what they share is steps.ts.
 * Each step loads the incident, decides (the rules in functions/core), and writes.
 */
export { type StepResult } from './steps';
export { classifyIncident, downgrade, escalatePage, handOffMinor, pageMim } from './paging';
export { awaitEvent, takeEvent } from './taking';
export { mobilise, resolveIncident, sendUpdate } from './active';
export { closeIncident, followUp, openReview, remindReview } from './reviewing';

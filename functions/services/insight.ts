import { incidentKpis } from '../core/kpis';
import { report, type Report } from '../core/report';
import type { App } from './app';

/**
 * Keeps how an incident went, once it has ended (closed, downgraded or handed off): computed from
 * the incident and its whole timeline, written under the month it ended in for the report.
 */
export async function recordOutcome(app: App, id: string): Promise<void> {
  const [incident, timeline] = await Promise.all([app.store.getIncident(id), app.store.timeline(id)]);
  if (!incident) return;
  await app.store.putOutcome(incidentKpis(app.config, incident, timeline));
}

/** The report over the incidents that ended in a period, optionally of one service. */
export async function periodReport(app: App, period: { since: Date; until: Date; service?: string }): Promise<Report> {
  const outcomes = await app.store.outcomes(period.since, period.until);
  return report(period.service ? outcomes.filter((o) => o.service === period.service) : outcomes, {
    since: period.since.toISOString(),
    until: period.until.toISOString(),
  });
}

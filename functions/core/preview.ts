import type { OrganisationConfig } from './config';
import type { Incident, StatusUpdate } from './incident';
import {
  actionItemNotice,
  actionOverdueNotice,
  closedNotice,
  emailUndeliveredNotice,
  downgradeNotice,
  handedOverNotice,
  handOffNotice,
  handoverOfferNotice,
  initialNotice,
  mimBriefNotice,
  noAcknowledgementNotice,
  noChangeNotice,
  type Notice,
  overdueReminderNotice,
  pageNotice,
  priorityChangeNotice,
  resolutionNotice,
  reviewNotice,
  updateNotice,
  updateSentNotice,
  workflowStoppedNotice,
  alarmStatusNotice,
} from './messages';
import type { TemplateName } from './templates';
import type { TimelineEntry } from './timeline';

const LINK = 'https://mim.example.com/a/PreviewLinkIdNotARealOne00';
const minutesFrom = (at: Date, n: number) => new Date(at.getTime() + n * 60_000).toISOString();

/** A sample incident in its active phase, with a posted update: what every template can be shown with. */
function sampleIncident(config: OrganisationConfig, at: Date): Incident {
  const minutes = (n: number) => new Date(at.getTime() + n * 60_000).toISOString();
  const service = config.services[0]!;
  const mimId = Object.keys(config.people)[0]!;
  const mim = config.people[mimId]!;
  const update: StatusUpdate = {
    impact: 'Card payments failing for about 20% of customers in the UK',
    services: `${service.name}, checkout`,
    users: 'About 20% of card customers; PayPal unaffected',
    regions: 'UK (eu-west-2)',
    status: 'Cause identified: a faulty deploy of the payments gateway.',
    actions: 'Rolling back the gateway to the previous version.',
    workaround: 'Customers can pay by PayPal.',
    postedBy: mim.name,
    postedAt: minutes(-10),
  };
  return {
    id: 'INC-20261127-4F2A9C',
    title: `${service.name} 5xx rate above 5%`,
    service: service.name,
    source: 'alarm',
    declaredAt: minutes(-40),
    declaredBy: `${service.name}-5xx`,
    alarm: {
      alarmName: `${service.name}-5xx`,
      reason: 'Threshold Crossed: 3 datapoints were greater than the threshold (5.0)',
      at: minutes(-40),
    },
    status: 'active',
    impact: 'high',
    urgency: 'high',
    priority: 'P1',
    verdict: 'major',
    reasons: [`impact high: ${service.name} is a tier ${service.tier} service`, 'urgency high: an alarm is firing', 'major: P1'],
    mim: { id: mimId, name: mim.name, email: mim.email },
    acceptedAt: minutes(-35),
    nextUpdateAt: minutes(20),
    lastUpdate: update,
    updateCount: 2,
    resolvedAt: minutes(0),
    resolution: 'Gateway rolled back; the error rate is back to normal.',
    review: { owner: { id: mimId, name: mim.name, email: mim.email }, dueAt: minutes(5 * 24 * 60) },
    handover: { from: { id: mimId, name: mim.name, email: mim.email }, to: mimId, at: minutes(-5), reason: 'End of my shift.' },
  };
}

/** Every message the system sends, rendered with sample data: `mim preview <name>`. */
export function previews(config: OrganisationConfig, at: Date): Record<TemplateName, () => Notice> {
  const incident = sampleIncident(config, at);
  const zone = config.timeZone;
  const timeline: TimelineEntry[] = [
    { at: incident.declaredAt, kind: 'alarm-received', actor: incident.declaredBy, channel: 'alarm', summary: 'Alarm received' },
    {
      at: incident.acceptedAt!,
      kind: 'accepted',
      actor: incident.mim!.id,
      channel: 'link',
      summary: `${incident.mim!.name} accepted`,
    },
    { at: incident.resolvedAt!, kind: 'resolved', actor: incident.mim!.id, channel: 'link', summary: 'Resolved' },
  ];
  return {
    page: () => pageNotice(config, incident, { name: config.rota.levels[0]!.name }, { accept: LINK, pass: LINK }),
    'candidate-page': () =>
      pageNotice(
        config,
        { ...incident, verdict: 'candidate', priority: 'P2' },
        { name: config.rota.levels[0]!.name },
        {
          accept: LINK,
          reject: LINK,
          pass: LINK,
        },
      ),
    'no-acknowledgement': () => noAcknowledgementNotice(config, incident, zone),
    initial: () => initialNotice(config, incident, zone),
    'mim-brief': () => mimBriefNotice(config, incident, zone, { update: LINK, resolve: LINK, handOver: LINK }),
    update: () => updateNotice(config, incident, incident.lastUpdate!, zone),
    'priority-change': () =>
      priorityChangeNotice(
        config,
        incident,
        { from: 'P2', by: incident.mim!.name, reason: 'Now failing in every region.' },
        zone,
      ),
    'no-change': () => noChangeNotice(config, incident, zone),
    'overdue-reminder': () => overdueReminderNotice(config, incident, zone, { update: LINK, resolve: LINK }, 12),
    'handover-offer': () => handoverOfferNotice(config, incident, zone, { takeOver: LINK }),
    'update-sent': () => updateSentNotice(config, incident, zone, { update: LINK, resolve: LINK }, 12),
    'handed-over': () => handedOverNotice(config, incident, incident.mim!.name, minutesFrom(at, -1), zone),
    'hand-off': () => handOffNotice(config, { ...incident, verdict: 'minor', priority: 'P3' }, zone),
    downgrade: () =>
      downgradeNotice(
        config,
        {
          ...incident,
          verdict: 'candidate',
          priority: 'P2',
          rejection: { by: incident.mim!.name, reason: 'One region only; a workaround is in place', at: minutesFrom(at, 0) },
        },
        zone,
      ),
    resolution: () => resolutionNotice(config, incident, zone),
    review: () => reviewNotice(config, incident, zone, timeline, { review: LINK }, false),
    closed: () => closedNotice(config, incident, zone),
    'action-item': () =>
      actionItemNotice(
        config,
        incident,
        { n: 1, title: 'Add a canary stage to the gateway pipeline', due: '2026-12-15' },
        zone,
        { done: LINK },
        false,
      ),
    'action-overdue': () =>
      actionOverdueNotice(
        config,
        incident,
        { n: 1, title: 'Add a canary stage to the gateway pipeline', due: '2026-12-15', owner: 'dave' },
        zone,
      ),
    'alarm-status': () =>
      alarmStatusNotice(config, { ...incident, status: 'active' }, 'monitoring-gap', {
        alarmName: 'payments-5xx',
        reason: 'Insufficient Data: 3 datapoints were unknown.',
      }),
    'workflow-stopped': () =>
      workflowStoppedNotice(
        config,
        { ...incident, status: 'active' },
        {
          status: 'FAILED',
          at: minutesFrom(at, 0),
          reason: 'a step failed: TransientError: ThrottlingException: Rate exceeded',
          attempt: 0,
        },
        zone,
      ),
    'email-undelivered': () =>
      emailUndeliveredNotice(
        config,
        incident.id,
        `[P1 MAJOR] Update 2: ${incident.id} ${incident.service}: ${incident.title}`,
        'bounced (Permanent: General; smtp; 550 5.1.1 user unknown)',
      ),
  };
}

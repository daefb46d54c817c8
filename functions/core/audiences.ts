import type { ChatChannel } from './chat';
import type { Channel, OrganisationConfig, Person, Priority } from './config';
import { findPerson, personById } from './config';
import type { Incident } from './incident';
import { singleLine } from './text';

/** What decides who hears of an incident: its service, priority and, for a drill, the audiences it names. */
type Heard = Pick<Incident, 'service' | 'priority' | 'drill'>;

export interface Recipient {
  person: Person;
  channels: Channel[];
}

/** Merges recipients so that a person on two lists gets one message per channel. */
function merge(list: Recipient[]): Recipient[] {
  const byId = new Map<string, Recipient>();
  for (const r of list) {
    const existing = byId.get(r.person.id);
    if (existing) existing.channels = [...new Set([...existing.channels, ...r.channels])];
    else byId.set(r.person.id, { person: r.person, channels: [...r.channels] });
  }
  return [...byId.values()];
}

/**
 * Who hears about a major incident: audiences for its priority, the service's owner and stakeholders;
 * for a drill told to named audiences, their members alone.
 */
export function stakeholders(config: OrganisationConfig, incident: Heard): Recipient[] {
  if (incident.drill?.audiences) return merge(drillAudience(config, incident.drill.audiences));
  const service = config.services.find((s) => s.name === incident.service);
  return merge([
    ...audienceMembers(config, incident),
    ...(service ? [{ person: personById(config, service.owner), channels: ['email', 'sms'] as Channel[] }] : []),
    ...(service?.stakeholders ?? []).map((id) => ({ person: personById(config, id), channels: ['email'] as Channel[] })),
  ]);
}

/**
 * The largest round of notices to stakeholders at a priority on a channel: the service whose round
 * reaches the most people, and those people (on SMS, those with a phone). What the readiness check
 * holds against the account's quotas and spend.
 */
export function largestRound(
  config: OrganisationConfig,
  priority: Priority,
  channel: Channel,
): { service: string; people: Person[] } {
  return config.services
    .map((s) => ({
      service: s.name,
      people: stakeholders(config, { service: s.name, priority })
        .filter((r) => r.channels.includes(channel) && (channel !== 'sms' || r.person.phone))
        .map((r) => r.person),
    }))
    .reduce((most, round) => (round.people.length > most.people.length ? round : most));
}

/** Who hears of a priority change: everyone who hears of the incident at either priority. */
export function priorityAudience(config: OrganisationConfig, before: Heard, after: Heard): Recipient[] {
  return merge([...stakeholders(config, before), ...stakeholders(config, after)]);
}

/** Who hears that an incident is not major: the owner, the reporter and the audiences for its priority (by email). */
export function owners(config: OrganisationConfig, incident: Heard & Pick<Incident, 'declaredBy'>): Recipient[] {
  if (incident.drill?.audiences) {
    return merge(drillAudience(config, incident.drill.audiences).map((r) => ({ ...r, channels: ['email'] as Channel[] })));
  }
  const service = config.services.find((s) => s.name === incident.service);
  const reporter = findPerson(config, incident.declaredBy);
  return merge([
    ...(service ? [{ person: personById(config, service.owner), channels: ['email'] as Channel[] }] : []),
    ...(reporter ? [{ person: reporter, channels: ['email'] as Channel[] }] : []),
    ...audienceMembers(config, incident).map((r) => ({ person: r.person, channels: ['email'] as Channel[] })),
  ]);
}

/** What is wrong with audience names a drill was given: those not in the config, and the ones that are. */
export function unknownAudiences(config: OrganisationConfig, names: string[]): string | undefined {
  const unknown = names.filter((name) => !config.audiences.some((a) => a.name === name));
  return unknown.length
    ? `${unknown.map((n) => JSON.stringify(singleLine(n))).join(', ')} is not an audience of the config; its audiences are ${config.audiences.map((a) => a.name).join(', ')}`
    : undefined;
}

/** The members of the audiences a drill names, on each audience's channels, whatever its priorities. */
function drillAudience(config: OrganisationConfig, names: string[]): Recipient[] {
  return config.audiences
    .filter((a) => names.includes(a.name))
    .flatMap((a) => a.members.map((id) => ({ person: personById(config, id), channels: a.channels })));
}

function audienceMembers(config: OrganisationConfig, incident: Heard): Recipient[] {
  return config.audiences
    .filter((a) => incident.priority && a.priorities.includes(incident.priority))
    .flatMap((a) => a.members.map((id) => ({ person: personById(config, id), channels: a.channels })));
}

type DeliveryOutcome = { recipient: string; name: string; channel: Channel | ChatChannel; ok: boolean };

const isChat = (d: DeliveryOutcome) => d.channel === 'slack' || d.channel === 'teams';

/** How many people at least one message reached (war-room posts are not people). */
export function peopleReached(deliveries: DeliveryOutcome[]): number {
  return new Set(deliveries.filter((d) => d.ok && !isChat(d)).map((d) => d.recipient)).size;
}

/** "12 recipient(s) by email and sms, 1 failed; posted to Slack": the summary on the timeline. */
export function describeDeliveries(deliveries: DeliveryOutcome[]): string {
  const personal = deliveries.filter((d) => !isChat(d));
  const ok = personal.filter((d) => d.ok);
  const channels = [...new Set(ok.map((d) => d.channel))].join(' and ');
  const failed = personal.length - ok.length;
  const chats = deliveries.filter((d) => isChat(d) && d.ok).map((d) => (d.channel === 'slack' ? 'Slack' : 'Teams'));
  return `${peopleReached(deliveries)} recipient(s)${channels ? ` by ${channels}` : ''}${failed ? `, ${failed} failed` : ''}${chats.length ? `; posted to ${chats.join(' and ')}` : ''}`;
}

/**
 * Who is asked whether an incident was the right call, beside those paged: the feedback audiences'
 * members; nobody for a drill, whose call was not a call.
 */
export function feedbackAudience(config: OrganisationConfig, incident: Heard): string[] {
  if (incident.drill) return [];
  const names = config.feedback?.audiences ?? ['leadership'];
  const heard = new Set(stakeholders(config, incident).map((r) => r.person.id));
  return [...new Set(config.audiences.filter((a) => names.includes(a.name)).flatMap((a) => a.members))].filter((id) =>
    heard.has(id),
  );
}

/**
 * Who got what, for the timeline entry of a round: the names reached on each channel and those not
 * reached, so that "did the CFO get the 14:30 update?" has an answer.
 */
export function whoGotWhat(deliveries: DeliveryOutcome[]): Record<string, string[]> {
  const by: Record<string, string[]> = {};
  for (const d of deliveries) (by[d.ok ? d.channel : 'failed'] ??= []).push(d.ok ? d.name : `${d.name} (${d.channel})`);
  return by;
}

import type { Channel, OrganisationConfig, Person } from '../core/config';
import { findPerson, personById } from '../core/config';
import type { Incident } from '../core/incident';

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

/** Who hears about a major incident: audiences for its priority, the service's owner and stakeholders. */
export function stakeholders(config: OrganisationConfig, incident: Incident): Recipient[] {
  const service = config.services.find((s) => s.name === incident.service);
  return merge([
    ...audienceMembers(config, incident),
    ...(service ? [{ person: personById(config, service.owner), channels: ['email', 'sms'] as Channel[] }] : []),
    ...(service?.stakeholders ?? []).map((id) => ({ person: personById(config, id), channels: ['email'] as Channel[] })),
  ]);
}

/** Who hears of a priority change: everyone who hears of the incident at either priority. */
export function priorityAudience(config: OrganisationConfig, before: Incident, after: Incident): Recipient[] {
  return merge([...stakeholders(config, before), ...stakeholders(config, after)]);
}

/** Who hears that an incident is not major: the owner, the reporter and the audiences for its priority (by email). */
export function owners(config: OrganisationConfig, incident: Incident): Recipient[] {
  const service = config.services.find((s) => s.name === incident.service);
  const reporter = findPerson(config, incident.declaredBy);
  return merge([
    ...(service ? [{ person: personById(config, service.owner), channels: ['email'] as Channel[] }] : []),
    ...(reporter ? [{ person: reporter, channels: ['email'] as Channel[] }] : []),
    ...audienceMembers(config, incident).map((r) => ({ person: r.person, channels: ['email'] as Channel[] })),
  ]);
}

function audienceMembers(config: OrganisationConfig, incident: Incident): Recipient[] {
  return config.audiences
    .filter((a) => incident.priority && a.priorities.includes(incident.priority))
    .flatMap((a) => a.members.map((id) => ({ person: personById(config, id), channels: a.channels })));
}

type DeliveryOutcome = { recipient: string; channel: Channel; ok: boolean };

/** How many people at least one message reached. */
export function peopleReached(deliveries: DeliveryOutcome[]): number {
  return new Set(deliveries.filter((d) => d.ok).map((d) => d.recipient)).size;
}

export function describeDeliveries(deliveries: DeliveryOutcome[]): string {
  const ok = deliveries.filter((d) => d.ok);
  const people = peopleReached(deliveries);
  const channels = [...new Set(ok.map((d) => d.channel))].join(' and ');
  const failed = deliveries.length - ok.length;
  return `${people} recipient(s)${channels ? ` by ${channels}` : ''}${failed ? `, ${failed} failed` : ''}`;
}

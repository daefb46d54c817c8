import { CONSOLE_ROLES, type ConsoleRole, type OrganisationConfig } from './config';
import { type ActionRequest, type Incident, type MimAction, refusalFor } from './incident';

/*
 * Who may act as whom on the management API. On AWS its routes are IAM-authorised, so API Gateway
 * says which principal signed the call; the person a call acts for (`by`) must be that principal's
 * own, unless the principal is an operator's. The sandbox's management API listens on loopback only
 * and has no IAM: there a call has no principal, and whoever can reach it is an operator.
 */

/** "*" in a pattern stands for any run of characters; everything else is itself. */
function matches(pattern: string, principal: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(principal);
}

export interface Signer {
  principal: string;
  /** The people whose `principals` name it: one, if the config is as it should be. */
  people: string[];
  operator: boolean;
}

export function signerOf(config: OrganisationConfig, principal: string): Signer {
  return {
    principal,
    people: Object.entries(config.people)
      .filter(([, person]) => person.principals?.some((p) => matches(p, principal)))
      .map(([id]) => id),
    operator: config.aws.operators.some((p) => matches(p, principal)),
  };
}

const OPERATORS = 'an operator (aws.operators in the config)';

/** Why a signer that is nobody's (no person's principals name it, or several's do) and no operator's is refused. */
function nobodys(signer: Signer): string | undefined {
  const { principal, people, operator } = signer;
  if (operator || people.length === 1) return undefined;
  if (people.length > 1) {
    return `you sign as ${principal}, which the config gives to more than one person (${people.join(', ')}): give each person principals of their own`;
  }
  return `you sign as ${principal}, which no person's "principals" in the config names: add it to yours if it is yours, or ask ${OPERATORS}`;
}

/** Why the signer of a call may not use the management API at all, reading included. */
export function signerRefusal(config: OrganisationConfig, principal: string | undefined): string | undefined {
  return principal === undefined ? undefined : nobodys(signerOf(config, principal));
}

/** Why the signer of a call may not act as `by`; undefined when they may. */
export function actingRefusal(config: OrganisationConfig, principal: string | undefined, by: string): string | undefined {
  if (principal === undefined) return undefined;
  const signer = signerOf(config, principal);
  const refused = nobodys(signer);
  if (refused) return refused;
  if (signer.operator || signer.people[0] === by) return undefined;
  return `you sign as ${principal}, which is ${signer.people[0]}'s: act as ${signer.people[0]}, or ask ${OPERATORS} to act for ${by}`;
}

/*
 * Who may do what in the console. Roles are the config's (`console.roles`), over defaults that fit
 * the rest of the config: whoever the rota can page is a MIM, the members of the audiences named
 * leadership and service-desk hold those roles, and nobody is in operations unless named. The
 * console shows a person only what their roles allow, and the server refuses the rest.
 */
export function rolesOf(config: OrganisationConfig, personId: string): ConsoleRole[] {
  const given = config.console.roles;
  const audience = (name: string) => config.audiences.find((a) => a.name === name)?.members ?? [];
  const rota = config.rota.levels.flatMap((l) => [...(l.people ?? []), ...(l.rotation?.people ?? [])]);
  const holders: Record<ConsoleRole, string[]> = {
    'service-desk': given['service-desk'] ?? audience('service-desk'),
    mim: given.mim ?? [...rota, ...config.rota.overrides.map((o) => o.person)],
    leadership: given.leadership ?? audience('leadership'),
    operations: given.operations ?? [],
  };
  return CONSOLE_ROLES.filter((role) => holders[role].includes(personId));
}

/** What a MIM does from an incident's page: what the emailed links offer for running it. */
export const CONSOLE_MIM_ACTIONS = [
  'accept',
  'reject',
  'pass',
  'update',
  'change-priority',
  'hand-over',
  'take-over',
  'resolve',
  'submit-review',
] as const satisfies readonly MimAction[];

/**
 * Why the console refuses a MIM's action on an incident as it stands: what the emailed links refuse,
 * and more, since anyone with the MIM role can open any incident's page: while it pages, only those
 * paged now accept it, and it is handed over only to someone who holds the MIM role.
 */
export function consoleRefusal(
  config: OrganisationConfig,
  incident: Incident,
  request: ActionRequest & { by: string },
): string | undefined {
  const refused = refusalFor(incident, request);
  if (refused) return refused;
  // The page's answer (accept, or reject a candidate) is theirs who are paged now.
  if (
    (request.action === 'accept' || request.action === 'reject') &&
    incident.pagedNow &&
    !incident.pagedNow.includes(request.by)
  ) {
    const paged = incident.pagedNow.map((id) => config.people[id]?.name ?? id).join(', ');
    const verb = request.action === 'accept' ? 'accepts' : 'rejects';
    return `${incident.id} is paging ${paged}: only someone paged now ${verb} it here (or is paged by a pass)`;
  }
  // The review is its owner's (the MIM who ran the incident), as its emailed link is theirs.
  const reviewer = incident.review?.owner.id ?? incident.mim?.id;
  if (request.action === 'submit-review' && reviewer !== undefined && request.by !== reviewer) {
    return `the review of ${incident.id} is for ${config.people[reviewer]?.name ?? reviewer}, who owns it, to write`;
  }
  return handOverRefusal(config, incident, request);
}

/**
 * Why a hand-over is refused whatever it comes through (console, link, CLI, API): an incident goes
 * only to someone who holds the MIM role, or nobody could run it from the console afterwards, and
 * its review would belong to someone who does not write reviews.
 */
export function handOverRefusal(
  config: OrganisationConfig,
  incident: Pick<Incident, 'id'>,
  request: Pick<ActionRequest, 'action' | 'to'>,
): string | undefined {
  if (request.action === 'hand-over' && request.to !== undefined && !rolesOf(config, request.to).includes('mim')) {
    return `${config.people[request.to]?.name ?? request.to} holds no MIM role, so cannot take ${incident.id} over: hand it to one of the rota's people, or give them the role (console.roles.mim)`;
  }
  return undefined;
}

/**
 * The actions an incident's page offers this person now: none without the MIM role (leadership and
 * the service desk read); with it, those the console takes from them at this moment.
 */
export function consoleActions(
  config: OrganisationConfig,
  incident: Incident,
  personId: string,
  roles: readonly ConsoleRole[],
): MimAction[] {
  if (!roles.includes('mim')) return [];
  return CONSOLE_MIM_ACTIONS.filter((action) => !consoleRefusal(config, incident, { action, by: personId }));
}

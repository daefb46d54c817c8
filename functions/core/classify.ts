import { alarmMapping } from './alarm';
import type { Level, OrganisationConfig, Priority } from './config';
import type { Verdict } from './incident';

export interface ClassificationInput {
  source: 'alarm' | 'manual';
  service: string;
  /** Given by the person declaring; otherwise derived from the service's tier. */
  impact?: Level;
  urgency?: Level;
}

export interface Classification {
  impact: Level;
  urgency: Level;
  priority: Priority;
  verdict: Verdict;
  reasons: string[];
}

/**
 * Applies the organisation's agreed criteria. Every step says why, so that the MIM who accepts or
 * rejects a candidate, and the reporter who is told, can see how the decision was reached.
 */
export function classify(config: OrganisationConfig, input: ClassificationInput): Classification {
  const { criteria } = config;
  const reasons: string[] = [];
  const service = config.services.find((s) => s.name === input.service);

  let impact = input.impact;
  if (impact) {
    reasons.push(`impact ${impact}: as declared`);
  } else {
    const tier = service?.tier ?? criteria.unknownServiceTier;
    impact = criteria.impactByTier[String(tier) as '1' | '2' | '3'];
    reasons.push(
      service
        ? `impact ${impact}: ${service.name} is a tier ${tier} service`
        : `impact ${impact}: ${input.service} is not a known service, so it is treated as tier ${tier}`,
    );
  }

  let urgency = input.urgency;
  if (urgency) {
    reasons.push(`urgency ${urgency}: as declared`);
  } else {
    urgency = input.source === 'alarm' ? criteria.alarmUrgency : 'medium';
    reasons.push(
      input.source === 'alarm'
        ? `urgency ${urgency}: a monitoring alarm is firing`
        : `urgency ${urgency}: the default for a declaration that gives none`,
    );
  }

  const priority = criteria.matrix[impact][urgency];
  reasons.push(`priority ${priority}: impact ${impact} x urgency ${urgency}`);

  let verdict: Verdict;
  if (criteria.major.includes(priority)) {
    verdict = 'major';
    reasons.push(`major: ${priority} is an agreed major-incident priority (${criteria.major.join(', ')})`);
  } else if (criteria.candidate.includes(priority)) {
    verdict = 'candidate';
    reasons.push(`candidate: ${priority} may be major; the MIM decides (${criteria.candidate.join(', ')})`);
  } else if (input.source === 'manual') {
    verdict = 'candidate';
    reasons.push(`candidate: ${priority} is below the criteria, but a person declared it, so the MIM decides`);
  } else {
    verdict = 'minor';
    reasons.push(`minor: ${priority} is below the major-incident criteria; it goes to the normal incident queue`);
  }
  return { impact, urgency, priority, verdict, reasons };
}

/** What a dry run is asked: an alarm by its name, or a declaration's service, impact and urgency. */
export type ClassificationQuestion = { alarm: string } | { service: string; impact?: Level; urgency?: Level };

/**
 * The verdict the criteria would give, and every reason, without opening anything: for an
 * organisation to try its criteria (and a change to them) before an incident does.
 */
export function explainClassification(
  config: OrganisationConfig,
  question: ClassificationQuestion,
): Classification & { service: string; lines: string[]; refused?: true } {
  const lines: string[] = [];
  if ('service' in question && !config.services.some((s) => s.name === question.service)) {
    // As the API answers such a declaration: refused, so there is no verdict to explain.
    const names = config.services.map((s) => s.name).join(', ');
    return {
      ...classify(config, { source: 'manual', ...question }),
      service: question.service,
      refused: true,
      lines: [`${question.service} is not a service in the config, so a declaration for it is refused; services: ${names}`],
    };
  }
  let input: ClassificationInput;
  if ('alarm' in question) {
    const mapped = alarmMapping(config, question.alarm);
    const service = mapped?.service;
    lines.push(
      mapped
        ? `alarm ${question.alarm}: belongs to ${mapped.service.name} (its pattern ${mapped.pattern})`
        : `alarm ${question.alarm}: matches no service's alarm patterns, so its incident's service is "unmapped"`,
    );
    input = { source: 'alarm', service: service?.name ?? 'unmapped' };
  } else {
    input = { source: 'manual', ...question };
  }
  const result = classify(config, input);
  const outcome = {
    major: 'opens a major incident and pages the on-call MIM',
    candidate: 'opens a candidate: the on-call MIM is paged to accept it as major or reject it',
    minor: 'goes to the normal incident queue: nobody is paged',
  }[result.verdict];
  lines.push(...result.reasons, `so it ${outcome}`);
  return { ...result, service: input.service, lines };
}

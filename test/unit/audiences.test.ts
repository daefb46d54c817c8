import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { largestRound } from '../../functions/core/audiences';
import { type OrganisationConfig, parseConfig } from '../../functions/core/config';

const base = parseConfig(readFileSync('config/organisation.yaml', 'utf8'));
const ids = (round: ReturnType<typeof largestRound>) => round.people.map((p) => p.email).sort();

describe('the largest round: what the readiness check holds against quotas and spend', () => {
  it('by email, it is the service whose owner, stakeholders and audiences make the most people', () => {
    const round = largestRound(base, 'P1', 'email');

    expect(round.service).toBe('payments');
    expect(ids(round)).toEqual(['desk', 'frank', 'grace', 'henry', 'irene'].map((id) => base.people[id]!.email).sort());
  });

  it('by SMS, only audiences texted and the owner count, and only those with a phone', () => {
    const config: OrganisationConfig = {
      ...base,
      people: { ...base.people, irene: { ...base.people.irene!, phone: undefined } },
    };

    const round = largestRound(config, 'P1', 'sms');

    expect(ids(round)).toEqual(['frank', 'henry'].map((id) => base.people[id]!.email).sort());
  });

  it('a person on two lists counts once', () => {
    const config: OrganisationConfig = {
      ...base,
      services: base.services.map((s) => (s.name === 'payments' ? { ...s, stakeholders: ['grace', 'henry'] } : s)),
    };

    expect(largestRound(config, 'P1', 'email').people).toHaveLength(5);
  });
});
